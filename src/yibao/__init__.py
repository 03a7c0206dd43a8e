"""yibao-guard: 医保基金智能监管平台 (medical-insurance fund supervision)."""

__version__ = "0.1.0"
