

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Partner',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(help_text='Identificador curto usado nos comandos de operação, ex.: alfa.', max_length=30, unique=True, verbose_name='código')),
                ('name', models.CharField(max_length=200, verbose_name='nome')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='criado em')),
                ('two_factor_required', models.BooleanField(default=False, help_text='Membros sem verificação em duas etapas configuram-na no próximo acesso.', verbose_name='exigir verificação em duas etapas')),
            ],
            options={
                'verbose_name': 'parceiro',
                'verbose_name_plural': 'parceiros',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='PartnerUser',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('administrador', 'Administrador'), ('operador', 'Operador'), ('consulta', 'Consulta')], default='administrador', max_length=13, verbose_name='perfil')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='users', to='partners.partner', verbose_name='parceiro')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='partner_user', to=settings.AUTH_USER_MODEL, verbose_name='usuário')),
            ],
            options={
                'verbose_name': 'usuário do parceiro',
                'verbose_name_plural': 'usuários do parceiro',
            },
        ),
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, verbose_name='e-mail')),
                ('role', models.CharField(choices=[('administrador', 'Administrador'), ('operador', 'Operador'), ('consulta', 'Consulta')], max_length=13, verbose_name='perfil')),
                ('token_digest', models.CharField(editable=False, max_length=64, unique=True, verbose_name='resumo do token')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='enviado em')),
                ('expires_at', models.DateTimeField(verbose_name='válido até')),
                ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='aceito em')),
                ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='cancelado em')),
                ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='aceito por')),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='convidado por')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='partners.partner', verbose_name='parceiro')),
            ],
            options={
                'verbose_name': 'convite',
                'verbose_name_plural': 'convites',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['partner', 'email'], name='invitation_partner_email')],
            },
        ),
        migrations.CreateModel(
            name='TeamEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor_label', models.CharField(blank=True, max_length=200, verbose_name='autor (nome)')),
                ('subject', models.CharField(blank=True, max_length=254, verbose_name='quem ou o quê')),
                ('action', models.CharField(choices=[('convidar', 'Convite enviado'), ('reenviar-convite', 'Convite reenviado'), ('cancelar-convite', 'Convite cancelado'), ('entrar-na-equipe', 'Entrou na equipe'), ('perfil', 'Perfil alterado'), ('desativar', 'Membro desativado'), ('exigir-2fa', 'Verificação em duas etapas exigida'), ('dispensar-2fa', 'Verificação em duas etapas dispensada'), ('ativar-2fa', 'Verificação em duas etapas ativada'), ('desativar-2fa', 'Verificação em duas etapas desativada'), ('redefinir-2fa', 'Verificação em duas etapas redefinida pelo fornecedor'), ('senha', 'Senha alterada')], max_length=30, verbose_name='ação')),
                ('details', models.CharField(blank=True, max_length=300, verbose_name='detalhes')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='quando')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='autor')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='team_events', to='partners.partner', verbose_name='parceiro')),
            ],
            options={
                'verbose_name': 'evento da equipe',
                'verbose_name_plural': 'histórico das equipes',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['partner', '-at'], name='teamevent_partner_at')],
            },
        ),
    ]
