"""License, RegistrationCode and Certificate become models of `clients` (the domain app); their
tables and rows stay where they are (licenses_*), so this changes the migration state only.
The next migration renames the tables."""

import clients.models
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0003_client_list_indexes'),
        ('licenses', '0005_check_in_notifications'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Certificate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('holder', models.CharField(max_length=200, verbose_name='titular')),
                        ('cnpj', models.CharField(max_length=14, verbose_name='CNPJ')),
                        ('issuer', models.CharField(max_length=300, verbose_name='emissor')),
                        ('serial_number', models.CharField(max_length=64, verbose_name='número de série')),
                        ('fingerprint', models.CharField(max_length=64, verbose_name='impressão digital (SHA-256)')),
                        ('valid_from', models.DateTimeField(verbose_name='válido a partir de')),
                        ('valid_until', models.DateTimeField(verbose_name='válido até')),
                        ('file_name', models.CharField(blank=True, max_length=200, verbose_name='nome do arquivo')),
                        ('encrypted_file', models.TextField(editable=False, verbose_name='arquivo criptografado')),
                        ('encrypted_password', models.TextField(editable=False, verbose_name='senha criptografada')),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='enviado em')),
                        ('client', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='certificate', to='clients.client', verbose_name='cliente')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='enviado por')),
                    ],
                    options={
                        'verbose_name': 'certificado digital',
                        'verbose_name_plural': 'certificados digitais',
                        'db_table': 'licenses_certificate',
                        'ordering': ['valid_until'],
                    },
                ),
                migrations.CreateModel(
                    name='License',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('module', models.CharField(choices=[('principal', 'Licenças'), ('cloud', 'Cloud'), ('ordem_pagamento', 'Ordem de Pagamento'), ('pagamento_integrado', 'Pagamento Integrado'), ('link_autoatendimento', 'Link Autoatendimento'), ('link_garcom', 'Link Garçom'), ('link_movel', 'Link Móvel'), ('tef', 'TEF')], max_length=30, verbose_name='módulo')),
                        ('quantity', models.PositiveIntegerField(default=1, validators=[django.core.validators.MinValueValidator(0)], verbose_name='quantidade')),
                        ('scheduled_quantity', models.PositiveIntegerField(blank=True, null=True, verbose_name='quantidade agendada')),
                        ('scheduled_from', models.DateField(blank=True, null=True, verbose_name='agendada a partir de')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='licenses', to='clients.client', verbose_name='cliente')),
                    ],
                    options={
                        'verbose_name': 'licença',
                        'verbose_name_plural': 'licenças',
                        'db_table': 'licenses_license',
                        'ordering': ['client', 'module'],
                        'constraints': [models.UniqueConstraint(fields=('client', 'module'), name='license_unique_module'), models.CheckConstraint(condition=models.Q(('scheduled_quantity__isnull', True), ('scheduled_from__isnull', False), _connector='OR'), name='license_scheduled_has_date', violation_error_message='Uma redução agendada precisa de data.')],
                    },
                ),
                migrations.CreateModel(
                    name='RegistrationCode',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(default=clients.models.new_registration_code, max_length=23, unique=True, verbose_name='código de registro')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='criado em')),
                        ('consumed_at', models.DateTimeField(blank=True, null=True, verbose_name='consumido em')),
                        ('machine', models.CharField(blank=True, max_length=200, verbose_name='máquina')),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='registration_codes', to='clients.client', verbose_name='cliente')),
                        ('partner', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clients.partner', verbose_name='parceiro')),
                    ],
                    options={
                        'verbose_name': 'código de registro',
                        'verbose_name_plural': 'códigos de registro',
                        'db_table': 'licenses_registrationcode',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(condition=models.Q(('consumed_at__isnull', True)), fields=['client'], name='regcode_unconsumed'), models.Index(condition=models.Q(('consumed_at__isnull', True)), fields=['partner'], name='regcode_partner_unconsumed')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
