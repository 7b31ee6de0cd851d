import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('partners', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(max_length=30, verbose_name='tipo')),
                ('title', models.CharField(max_length=200, verbose_name='descrição')),
                ('permission', models.CharField(blank=True, max_length=20, verbose_name='permissão')),
                ('task_path', models.CharField(max_length=200, verbose_name='tarefa')),
                ('arguments', models.JSONField(blank=True, default=dict, verbose_name='dados')),
                ('key', models.CharField(max_length=64, verbose_name='chave')),
                ('state', models.CharField(choices=[('rascunho', 'Prévia'), ('fila', 'Na fila'), ('executando', 'Em andamento'), ('concluida', 'Concluída'), ('falhou', 'Falhou')], default='fila', max_length=12, verbose_name='estado')),
                ('attempt', models.PositiveIntegerField(default=1, verbose_name='execução')),
                ('retryable', models.BooleanField(default=True, verbose_name='pode ser repetida')),
                ('stage', models.CharField(blank=True, max_length=60, verbose_name='etapa')),
                ('done', models.PositiveIntegerField(default=0, verbose_name='feitos')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='total')),
                ('outcome', models.JSONField(blank=True, default=dict, verbose_name='resultado')),
                ('error', models.TextField(blank=True, verbose_name='erro')),
                ('task_result_id', models.CharField(blank=True, max_length=64, verbose_name='id da execução')),
                ('back_url', models.CharField(blank=True, max_length=300, verbose_name='voltar para')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='criada em')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='iniciada em')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='último sinal')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='terminada em')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='partners.partner', verbose_name='parceiro')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='pedida por')),
            ],
            options={
                'verbose_name': 'tarefa',
                'verbose_name_plural': 'tarefas',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='JobFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('attempt', models.PositiveIntegerField(verbose_name='execução')),
                ('role', models.CharField(max_length=10, verbose_name='papel')),
                ('name', models.CharField(max_length=200, verbose_name='nome')),
                ('content_type', models.CharField(max_length=100, verbose_name='tipo')),
                ('size', models.PositiveBigIntegerField(default=0, verbose_name='tamanho')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='criado em')),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='jobs.job')),
            ],
            options={
                'verbose_name': 'arquivo de tarefa',
                'verbose_name_plural': 'arquivos de tarefas',
            },
        ),
        migrations.CreateModel(
            name='JobFileChunk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('data', models.BinaryField()),
                ('file', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='jobs.jobfile')),
            ],
        ),
        migrations.CreateModel(
            name='JobLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('attempt', models.PositiveIntegerField(verbose_name='execução')),
                ('subject_id', models.BigIntegerField(blank=True, null=True, verbose_name='id')),
                ('label', models.CharField(blank=True, max_length=300, verbose_name='item')),
                ('ok', models.BooleanField(verbose_name='feito')),
                ('message', models.CharField(blank=True, max_length=500, verbose_name='resultado')),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='jobs.job')),
            ],
            options={
                'verbose_name': 'resultado por item',
                'verbose_name_plural': 'resultados por item',
            },
        ),
        migrations.AddIndex(
            model_name='job',
            index=models.Index(fields=['partner', 'user', '-created_at'], name='job_partner_user'),
        ),
        migrations.AddIndex(
            model_name='job',
            index=models.Index(condition=models.Q(('state__in', ('fila', 'executando'))), fields=['state', 'heartbeat_at'], name='job_active'),
        ),
        migrations.AddConstraint(
            model_name='job',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ('fila', 'executando'))), fields=('key',), name='job_one_active_per_key'),
        ),
        migrations.AddIndex(
            model_name='jobfile',
            index=models.Index(fields=['job', 'role', '-attempt'], name='jobfile_job'),
        ),
        migrations.AddConstraint(
            model_name='jobfilechunk',
            constraint=models.UniqueConstraint(fields=('file', 'position'), name='jobfilechunk_position'),
        ),
        migrations.AddIndex(
            model_name='jobline',
            index=models.Index(fields=['job', 'ok', 'label'], name='jobline_job'),
        ),
    ]
