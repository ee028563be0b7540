"""The skills heatmap's summary, shared by every worker (`hr.skill_summary`)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_department_employeeprofile'),
        ('content', '0001_skills_framework'),
        ('hr', '0004_managers_group'),
    ]

    operations = [
        migrations.CreateModel(
            name='SkillSummaryBuild',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('built_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'default_permissions': [],
            },
        ),
        migrations.CreateModel(
            name='SkillSummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('people', models.PositiveIntegerField()),
                ('total', models.PositiveIntegerField()),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.department')),
                ('skill', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='content.skill')),
                ('build', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='hr.skillsummarybuild')),
            ],
            options={
                'default_permissions': [],
                'constraints': [models.UniqueConstraint(fields=('build', 'department', 'skill'), name='hr_skillsummary_once')],
            },
        ),
    ]
