"""Organisations in the access-matrix world (tests/access/world.py).

The record every URL is tried on is a filing still open (applied) with street 一 for 甲: only
its representative, the street office and 甲's staff may see it, so its name and contact phone
are private. 乙's organisation is filed (public).
"""

from organisations.models import Organisation, OrganisationState

from .factories import OrganisationFactory


def add_to_world(world):
    applied = OrganisationFactory(
        street=world.places["street_1"],
        communities=[world.places["a"]],
        name="甲社区未备案秘密书法社",
        contact_phone="13922223333",
        status=OrganisationState.APPLIED,
    )
    filed = OrganisationFactory(
        street=world.places["street_2"], communities=[world.places["b"]], name="乙社区合唱团"
    )
    world.add(applied, filed)
    world.private |= {applied.name, applied.contact_phone}
    world.url_objects["organisations"] = Organisation
