"""HRAdmin (table-less, it only carries HR's permissions) now lives in the hr app; hr's 0002
moves its content type and permissions. Nothing changes in the database here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0004_certificate_pdf_file")]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="HRAdmin")]),
    ]
