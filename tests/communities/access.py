"""People and places' own records in the access-matrix world, beyond the places themselves
(tests/access/world.py makes those)."""

from communities.models import RegisterImport


def add_to_world(world):
    imports = [
        RegisterImport.objects.create(
            community=world.places[key],
            file_name=f"{world.places[key].slug}-户籍.xlsx",
            status=RegisterImport.Status.DONE,
            created_by=world.users[f"staff_{key}"],
        )
        for key in ("a", "b")
    ]
    world.add(*imports)
    world.private.add(imports[0].file_name)
