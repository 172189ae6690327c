from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('jobs', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MinerScore',
            name='refusals',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Round',
            name='last_checkpoint_block',
            field=fields.BigIntField(null=True),
        ),
    ]
