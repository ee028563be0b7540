"""Managers: the department each one oversees (`ManagerScope`) and their permission on HRAdmin."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_department_employeeprofile'),
        ('hr', '0002_move_hr_permissions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='hradmin',
            options={'default_permissions': [], 'managed': False, 'permissions': [('view_hr_reports', 'Can view HR reports and transcripts'), ('revoke_certificate', 'Can revoke certificates'), ('assign_course', 'Can assign courses to people and departments'), ('import_people', 'Can import people and manage departments'), ('view_own_department', 'Can view the skills, compliance and transcripts of their own department')]},
        ),
        migrations.CreateModel(
            name='ManagerScope',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.department', verbose_name='department (and below)')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='manager_scope', to=settings.AUTH_USER_MODEL, verbose_name='manager')),
            ],
            options={
                'verbose_name': 'manager',
                'verbose_name_plural': 'managers',
                'default_permissions': [],
            },
        ),
    ]
