from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('jobs', '0002_round_progress_and_refusals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WeightSet',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('block', fields.BigIntField()),
                ('network', fields.CharField(max_length=16)),
                ('uids', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('weights', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('success', fields.BooleanField()),
                ('message', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'weight_sets', 'app': 'jobs', 'indexes': [Index(fields=['created_at'], name='weight_sets_created_idx')], 'pk_attr': 'id', 'table_description': 'One computed weight vector and what became of it (set on chain, refused, or local-only).'},
            bases=['Model'],
        ),
    ]
