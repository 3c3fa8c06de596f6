from django.db import migrations

from linli.devices.kinds import sync_builtin_kinds


class Migration(migrations.Migration):
    dependencies = [("devices", "0001_initial")]

    operations = [migrations.RunPython(sync_builtin_kinds, migrations.RunPython.noop)]
