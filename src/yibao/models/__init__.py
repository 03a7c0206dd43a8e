"""Pattern detectors and risk scores beyond single rules (诱导/虚假/同进同出住院, 同类比较, 团伙, 风险评分).

Every model speaks the one detector contract (`yibao.detectors`) and registers in
`yibao.models.detector`, so `yibao screen` runs them after the rules. See docs/models.md.
"""
