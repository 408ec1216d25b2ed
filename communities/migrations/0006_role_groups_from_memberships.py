"""Roles' permissions now come from memberships (communities.roles.RolePermissionsOnly).

The groups that used to copy them outlived deleted memberships; they go, so nobody keeps a
role's screens through them.
"""

from django.db import migrations

OLD_ROLE_GROUPS = ["社区工作人员", "街道工作人员"]


def drop_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=OLD_ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("communities", "0005_registerimport"),
    ]

    operations = [migrations.RunPython(drop_role_groups, migrations.RunPython.noop)]
