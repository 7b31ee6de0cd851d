
import clients.domain.codes
import clients.domain.documents
import clients.domain.search
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.datetime
import django.db.models.functions.text
import django.utils.timezone
import zoneinfo
from pathlib import Path
from django.conf import settings
from django.db import migrations, models

from portal.migration_helpers import run_sql_file

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('partners', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The search's function, which the stored column `search_name` uses (PostgreSQL).
        migrations.RunPython(
            run_sql_file(SQL / "search.postgresql.sql", "postgresql"), migrations.RunPython.noop
        ),
        migrations.CreateModel(
            name='Client',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='nome')),
                ('search_name', models.GeneratedField(db_persist=True, expression=django.db.models.functions.text.Upper(clients.domain.search.Unaccent('name')), output_field=models.TextField(), verbose_name='nome sem acentos')),
                ('cpf_cnpj', models.CharField(help_text='Com ou sem pontuação; CNPJ alfanumérico aceito.', max_length=14, validators=[clients.domain.documents.validate_document], verbose_name='CPF/CNPJ')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                ('uf', models.CharField(choices=[('AC', 'Acre'), ('AL', 'Alagoas'), ('AP', 'Amapá'), ('AM', 'Amazonas'), ('BA', 'Bahia'), ('CE', 'Ceará'), ('DF', 'Distrito Federal'), ('ES', 'Espírito Santo'), ('GO', 'Goiás'), ('MA', 'Maranhão'), ('MT', 'Mato Grosso'), ('MS', 'Mato Grosso do Sul'), ('MG', 'Minas Gerais'), ('PA', 'Pará'), ('PB', 'Paraíba'), ('PR', 'Paraná'), ('PE', 'Pernambuco'), ('PI', 'Piauí'), ('RJ', 'Rio de Janeiro'), ('RN', 'Rio Grande do Norte'), ('RS', 'Rio Grande do Sul'), ('RO', 'Rondônia'), ('RR', 'Roraima'), ('SC', 'Santa Catarina'), ('SP', 'São Paulo'), ('SE', 'Sergipe'), ('TO', 'Tocantins')], max_length=2, verbose_name='UF')),
                ('city', models.CharField(max_length=100, verbose_name='cidade')),
                ('product', models.CharField(choices=[('link', 'Link'), ('navi', 'Navi')], max_length=4, verbose_name='produto')),
                ('registered_on', models.DateField(default=django.utils.timezone.localdate, verbose_name='data de cadastro')),
                ('expires_on', models.DateField(verbose_name='vencimento')),
                ('renewal', models.CharField(choices=[('manual', 'Renovação manual'), ('cobranca', 'Gestão de cobranças')], default='manual', max_length=8, verbose_name='renovação')),
                ('suspended_at', models.DateTimeField(blank=True, null=True, verbose_name='suspenso em')),
                ('pending_since', models.DateTimeField(blank=True, null=True, verbose_name='pendente desde')),
                ('pending_reason', models.CharField(blank=True, max_length=300, verbose_name='motivo da pendência')),
                ('hidden_at', models.DateTimeField(blank=True, null=True, verbose_name='oculto em')),
                ('license_key', models.CharField(blank=True, max_length=64, null=True, verbose_name='chave')),
                ('link_version', models.CharField(blank=True, max_length=40, verbose_name='versão do Link')),
                ('last_seen_at', models.DateTimeField(blank=True, null=True, verbose_name='último contato')),
                ('last_seen_on', models.GeneratedField(db_persist=True, expression=django.db.models.functions.datetime.TruncDate('last_seen_at', tzinfo=zoneinfo.ZoneInfo(key='America/Sao_Paulo')), output_field=models.DateField(), verbose_name='dia do último contato')),
                ('notes', models.TextField(blank=True, verbose_name='observações')),
                ('version', models.PositiveIntegerField(default=0, editable=False, verbose_name='versão do cadastro')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='criado em')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='atualizado em')),
                ('partner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='clients', to='partners.partner', verbose_name='parceiro')),
            ],
            options={
                'verbose_name': 'cliente',
                'verbose_name_plural': 'clientes',
            },
        ),
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
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='enviado por')),
                ('client', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='certificate', to='clients.client', verbose_name='cliente')),
            ],
            options={
                'verbose_name': 'certificado digital',
                'verbose_name_plural': 'certificados digitais',
                'ordering': ['valid_until'],
            },
        ),
        migrations.CreateModel(
            name='ClientEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor_label', models.CharField(blank=True, max_length=60, verbose_name='origem')),
                ('action', models.CharField(choices=[('cadastrar', 'Cadastro'), ('editar', 'Editar'), ('certificado', 'Certificado digital'), ('suspender', 'Suspender'), ('cancelar-suspensao', 'Cancelar suspensão'), ('reativar', 'Reativar'), ('ocultar', 'Ocultar'), ('reexibir', 'Reexibir'), ('renovar', 'Renovar'), ('aprovar', 'Aprovação'), ('rejeitar', 'Rejeição'), ('ativar', 'Ativação'), ('versao', 'Nova versão do Link')], max_length=40, verbose_name='ação')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='quando')),
                ('before', models.JSONField(blank=True, default=dict, verbose_name='antes')),
                ('after', models.JSONField(blank=True, default=dict, verbose_name='depois')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='observação')),
                ('actor', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='autor')),
                ('client', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='clients.client', verbose_name='cliente')),
            ],
            options={
                'verbose_name': 'evento do cliente',
                'verbose_name_plural': 'histórico dos clientes',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='License',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('module', models.CharField(choices=[('principal', 'Licenças'), ('cloud', 'Cloud'), ('ordem_pagamento', 'Ordem de Pagamento'), ('pagamento_integrado', 'Pagamento Integrado'), ('link_autoatendimento', 'Link Autoatendimento'), ('link_garcom', 'Link Garçom'), ('link_movel', 'Link Móvel'), ('tef', 'TEF'), ('pesagem_automatica', 'Pesagem Automática'), ('monitor_cozinha', 'Monitor de Cozinha'), ('link_balanco_estoque', 'Link Balanço Estoque')], max_length=30, verbose_name='módulo')),
                ('quantity', models.PositiveIntegerField(default=1, validators=[django.core.validators.MinValueValidator(0)], verbose_name='quantidade')),
                ('scheduled_quantity', models.PositiveIntegerField(blank=True, null=True, verbose_name='quantidade agendada')),
                ('scheduled_from', models.DateField(blank=True, null=True, verbose_name='agendada a partir de')),
                ('client', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='licenses', to='clients.client', verbose_name='cliente')),
            ],
            options={
                'verbose_name': 'licença',
                'verbose_name_plural': 'licenças',
                'ordering': ['client', 'module'],
            },
        ),
        migrations.CreateModel(
            name='LinkVersionSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.CharField(help_text='Por exemplo 4.10 ou 4.10.2.', max_length=40, verbose_name='versão atual do Link')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='observação')),
                ('set_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='definida em')),
                ('set_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='definida por')),
            ],
            options={
                'verbose_name': 'versão atual do Link',
                'verbose_name_plural': 'versão atual do Link (histórico)',
                'ordering': ['-set_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='NotificationLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('resumo-diario', 'Resumo diário')], max_length=30, verbose_name='tipo')),
                ('sent_on', models.DateField(verbose_name='dia')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='enviado em')),
                ('email', models.EmailField(max_length=254, verbose_name='para')),
                ('subject', models.CharField(max_length=200, verbose_name='assunto')),
                ('summary', models.JSONField(blank=True, default=dict, verbose_name='resumo')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='partners.partner', verbose_name='parceiro')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='usuário')),
            ],
            options={
                'verbose_name': 'notificação enviada',
                'verbose_name_plural': 'notificações enviadas',
                'ordering': ['-sent_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='RegistrationCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(default=clients.domain.codes.new_registration_code, max_length=23, verbose_name='código de registro')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='criado em')),
                ('consumed_at', models.DateTimeField(blank=True, null=True, verbose_name='consumido em')),
                ('machine', models.CharField(blank=True, max_length=200, verbose_name='máquina')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='registration_codes', to='clients.client', verbose_name='cliente')),
                ('partner', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partners.partner', verbose_name='parceiro')),
            ],
            options={
                'verbose_name': 'código de registro',
                'verbose_name_plural': 'códigos de registro',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='StatusTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('expires_on', models.DateField(verbose_name='vencimento')),
                ('product', models.CharField(choices=[('link', 'Link'), ('navi', 'Navi')], max_length=4, verbose_name='produto')),
                ('hidden_at', models.BooleanField(null=True, verbose_name='oculto')),
                ('pending_since', models.BooleanField(null=True, verbose_name='pendente')),
                ('suspended_at', models.BooleanField(null=True, verbose_name='suspenso')),
                ('clients', models.IntegerField(verbose_name='clientes')),
                ('partner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partners.partner')),
            ],
            options={
                'verbose_name': 'contagem por situação',
                'verbose_name_plural': 'contagens por situação',
            },
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['partner', 'expires_on'], include=('hidden_at', 'pending_since', 'suspended_at'), name='client_partner_expires'),
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['partner', 'registered_on'], include=('product',), name='client_partner_registered'),
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['partner', 'product', 'link_version'], include=('id', 'expires_on', 'hidden_at', 'pending_since', 'suspended_at', 'registered_on', 'last_seen_on'), name='client_partner_attention'),
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['partner', 'name', 'id'], include=('hidden_at', 'pending_since', 'suspended_at', 'expires_on', 'search_name'), name='client_partner_name_cover'),
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['cpf_cnpj'], name='client_cpf_cnpj'),
        ),
        migrations.AddConstraint(
            model_name='client',
            constraint=models.UniqueConstraint(fields=('partner', 'cpf_cnpj', 'product'), name='client_unique_document_per_partner_product', violation_error_message='Este parceiro já tem um cliente com este CPF/CNPJ para este produto.'),
        ),
        migrations.AddConstraint(
            model_name='client',
            constraint=models.UniqueConstraint(fields=('license_key',), name='client_unique_license_key'),
        ),
        migrations.AddIndex(
            model_name='clientevent',
            index=models.Index(fields=['client', '-at'], name='clientevent_client_at'),
        ),
        migrations.AddIndex(
            model_name='clientevent',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='clientevent_actor'),
        ),
        migrations.AddIndex(
            model_name='license',
            index=models.Index(fields=['module', 'client'], name='license_module_client'),
        ),
        migrations.AddConstraint(
            model_name='license',
            constraint=models.UniqueConstraint(fields=('client', 'module'), name='license_unique_module'),
        ),
        migrations.AddConstraint(
            model_name='license',
            constraint=models.CheckConstraint(condition=models.Q(('scheduled_quantity__isnull', True), ('scheduled_from__isnull', False), _connector='OR'), name='license_scheduled_has_date', violation_error_message='Uma redução agendada precisa de data.'),
        ),
        migrations.AddConstraint(
            model_name='notificationlog',
            constraint=models.UniqueConstraint(fields=('user', 'kind', 'sent_on'), name='notificationlog_once_a_day'),
        ),
        migrations.AddIndex(
            model_name='registrationcode',
            index=models.Index(condition=models.Q(('consumed_at__isnull', True)), fields=['client'], name='regcode_unconsumed'),
        ),
        migrations.AddIndex(
            model_name='registrationcode',
            index=models.Index(condition=models.Q(('consumed_at__isnull', True)), fields=['partner', 'client'], name='regcode_partner_unconsumed'),
        ),
        migrations.AddConstraint(
            model_name='registrationcode',
            constraint=models.UniqueConstraint(fields=('code',), name='regcode_unique_code'),
        ),
        migrations.AddIndex(
            model_name='statustally',
            index=models.Index(fields=['partner', 'expires_on'], include=('product', 'hidden_at', 'pending_since', 'suspended_at', 'clients'), name='statustally_partner_expires'),
        ),
    ]
