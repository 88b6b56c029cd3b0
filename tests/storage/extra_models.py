"""A model that has no migration, to prove the pending-migration check can fail."""

from tortoise import fields
from tortoise.models import Model


class Unmigrated(Model):
    id = fields.IntField(primary_key=True)
    note = fields.CharField(max_length=10)

    class Meta:
        table = "unmigrated_probe"
