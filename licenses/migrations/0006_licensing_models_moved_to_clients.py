"""The licensing models now live in `clients` (clients 0004): forget them here, keep their tables."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('licenses', '0005_check_in_notifications'),
        ('clients', '0004_licensing_models'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='certificate',
                    name='client',
                ),
                migrations.RemoveField(
                    model_name='certificate',
                    name='uploaded_by',
                ),
                migrations.RemoveConstraint(
                    model_name='license',
                    name='license_unique_module',
                ),
                migrations.RemoveConstraint(
                    model_name='license',
                    name='license_scheduled_has_date',
                ),
                migrations.RemoveIndex(
                    model_name='registrationcode',
                    name='regcode_unconsumed',
                ),
                migrations.RemoveIndex(
                    model_name='registrationcode',
                    name='regcode_partner_unconsumed',
                ),
                migrations.DeleteModel(
                    name='Certificate',
                ),
                migrations.RemoveField(
                    model_name='registrationcode',
                    name='client',
                ),
                migrations.RemoveField(
                    model_name='registrationcode',
                    name='partner',
                ),
                migrations.DeleteModel(
                    name='License',
                ),
                migrations.DeleteModel(
                    name='RegistrationCode',
                ),
            ],
            database_operations=[],
        ),
    ]
