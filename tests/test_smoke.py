def test_profile_requires_login(client, db):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
