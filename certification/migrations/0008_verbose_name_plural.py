from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0007_certificate_site_url'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='certificate',
            options={'ordering': ['-issued_at'], 'verbose_name': 'certificate', 'verbose_name_plural': 'certificates'},
        ),
        migrations.AlterModelOptions(
            name='certificaterule',
            options={'ordering': ['slug'], 'verbose_name': 'certificate rule', 'verbose_name_plural': 'certificate rules'},
        ),
    ]
