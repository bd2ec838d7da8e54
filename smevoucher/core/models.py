from django.db import models


class NumberSequence(models.Model):
    """Daily counters behind the seeds' document numbers (SVC…, ORD…)."""

    prefix = models.CharField(max_length=10)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="number_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}:{self.value}"
