import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0007_grid_number_and_reason_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UserPhone",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.CharField(db_index=True, max_length=16, verbose_name="mobile number"),
                ),
                ("verified", models.BooleanField(default=False, verbose_name="verified")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="login_phone",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "sign-in mobile number",
                "verbose_name_plural": "sign-in mobile numbers",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("verified", True)),
                        fields=("number",),
                        name="verified_login_phone_is_unique",
                    )
                ],
            },
        ),
    ]
