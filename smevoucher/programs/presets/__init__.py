"""The three seed programs, loaded by `manage.py load_program_presets` and by the demo."""

from . import guangdong_2024, guangxi_2024, liuzhou_2024

PRESETS = (guangxi_2024, liuzhou_2024, guangdong_2024)
