"""Random inspections (双随机一公开), full coverage, checklists, results and self-inspection (自查自纠)."""
