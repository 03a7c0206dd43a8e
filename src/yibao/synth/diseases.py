"""Diagnoses (ICD-10 医保版) and the disease groups encounters are drawn from.

A group fixes who gets the disease (age, sex), when (season), where (which
institution tiers, which department) and, for admissions, the length of stay.
Outpatient incidence is a weight per age band; admissions have their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AGE_BANDS", "DISEASE_NAMES", "GROUPS", "Group"]

# Age bands used by all incidence tables: 0-6, 7-17, 18-44, 45-64, 65+.
AGE_BANDS: tuple[int, ...] = (0, 7, 18, 45, 65)

DISEASE_NAMES: dict[str, str] = {
    "J06.900": "急性上呼吸道感染", "J02.900": "急性咽炎", "J03.900": "急性扁桃体炎", "J20.900": "急性支气管炎",
    "J18.900": "肺炎", "J44.900": "慢性阻塞性肺疾病", "J44.100": "慢性阻塞性肺疾病伴有急性加重",
    "J45.900": "哮喘", "J96.000": "急性呼吸衰竭", "I10.x00": "原发性高血压", "I25.100": "动脉粥样硬化性心脏病",
    "I20.000": "不稳定型心绞痛", "I50.900": "心力衰竭", "I63.900": "脑梗死", "I69.300": "脑梗死后遗症",
    "E11.900": "2型糖尿病", "M10.900": "痛风", "K29.700": "胃炎", "K52.900": "非感染性胃肠炎",
    "A09.900": "感染性腹泻", "K80.100": "胆囊结石伴慢性胆囊炎", "K35.800": "急性阑尾炎", "M54.500": "腰痛",
    "M47.800": "颈椎病", "M51.202": "腰椎间盘突出", "M17.900": "膝关节骨性关节炎", "M81.000": "绝经后骨质疏松",
    "S72.000": "股骨颈骨折", "S93.400": "踝关节扭伤", "S61.900": "手部开放性伤口", "N39.000": "泌尿道感染",
    "N40.x00": "前列腺增生", "N76.000": "急性阴道炎", "D25.900": "子宫平滑肌瘤", "N18.500": "慢性肾脏病5期",
    "Z49.100": "血液透析", "Z34.900": "正常妊娠监督", "O80.000": "单胎顺产", "O82.000": "经剖宫产术的单胎分娩",
    "P59.900": "新生儿黄疸", "Z00.100": "常规儿童健康检查", "H10.900": "结膜炎", "H25.900": "老年性白内障",
    "K02.900": "龋病", "L30.900": "皮炎", "F20.900": "精神分裂症", "F32.900": "抑郁发作", "G47.000": "失眠",
    "C34.900": "肺恶性肿瘤", "C50.900": "乳房恶性肿瘤", "Z51.100": "为肿瘤化学治疗疗程", "R51.x00": "头痛",
}


@dataclass(frozen=True, slots=True)
class Group:
    """A disease group; `op` / `ip` are relative incidences per age band for visits / admissions."""

    key: str
    dx: tuple[tuple[str, float], ...]
    op: tuple[float, ...] = (0, 0, 0, 0, 0)
    ip: tuple[float, ...] = (0, 0, 0, 0, 0)
    sex: str | None = None
    age: tuple[int, int] = (0, 120)
    season: str | None = None
    dept: str = "A03"
    dept_child: str | None = "A07"
    op_tiers: dict[str, float] = field(default_factory=dict)
    ip_tiers: dict[str, float] = field(default_factory=dict)
    los: tuple[float, float, int, int] = (7, 0.35, 3, 30)  # median, log-sd, min, max


_GEN = {"CHC": 0.3, "CLN": 0.25, "T1": 0.1, "T2": 0.15, "T3": 0.2}
_HOSP = {"T2": 0.45, "T3": 0.4, "T1": 0.15}
_BIG = {"T3": 0.65, "T2": 0.35}
_TCM_OP = {"TCM": 0.4, "CHC": 0.3, "T2": 0.15, "T3": 0.15}

GROUPS: dict[str, Group] = {
    g.key: g
    for g in (
        Group("urti", (("J06.900", 0.6), ("J02.900", 0.25), ("J03.900", 0.15)), op=(30, 14, 9, 8, 8),
              season="winter", op_tiers=_GEN),
        Group("bronchitis", (("J20.900", 1),), op=(8, 3, 2.5, 3, 5), ip=(4, 0.5, 0.3, 0.5, 2), season="winter",
              op_tiers=_GEN, ip_tiers=_HOSP, los=(6, 0.25, 3, 12)),
        Group("pneumonia", (("J18.900", 1),), op=(2, 0.5, 0.4, 0.6, 1.5), ip=(14, 2, 1.5, 3, 14), season="winter",
              op_tiers={"T2": 0.5, "T3": 0.5}, ip_tiers=_HOSP, los=(7, 0.3, 4, 21)),
        Group("copd", (("J44.900", 1),), op=(0, 0, 0, 1.5, 5), age=(40, 120), season="winter",
              op_tiers=_GEN),
        Group("copd_exac", (("J44.100", 1),), ip=(0, 0, 0, 1.5, 10), age=(40, 120), season="winter",
              ip_tiers=_HOSP, los=(9, 0.3, 5, 25)),
        Group("asthma", (("J45.900", 1),), op=(1.5, 2, 1.2, 1, 1), op_tiers={"T2": 0.5, "T3": 0.5}),
        Group("resp_failure", (("J96.000", 1),), ip=(0.3, 0, 0.05, 0.3, 2.5), season="winter",
              ip_tiers={"T3": 0.7, "T2": 0.3}, dept="A28", dept_child="A28", los=(10, 0.3, 5, 25)),
        Group("hypertension", (("I10.x00", 1),), op=(0, 0, 1, 6, 10), ip=(0, 0, 0, 0.5, 1.5), age=(30, 120),
              op_tiers=_GEN, ip_tiers={"T1": 0.4, "T2": 0.6}, los=(7, 0.2, 4, 12)),
        Group("chd", (("I25.100", 1),), op=(0, 0, 0.2, 2, 4), age=(35, 120), op_tiers=_GEN),
        Group("angina", (("I20.000", 1),), ip=(0, 0, 0.2, 3, 6), age=(35, 120), ip_tiers={"T3": 1.0},
              los=(6, 0.25, 3, 14)),
        Group("heart_failure", (("I50.900", 1),), ip=(0, 0, 0.1, 1.5, 8), age=(30, 120), ip_tiers=_HOSP,
              los=(9, 0.3, 4, 24)),
        Group("stroke", (("I63.900", 1),), ip=(0, 0, 0.2, 3, 10), age=(35, 120), ip_tiers=_BIG,
              los=(12, 0.3, 6, 30)),
        Group("stroke_sequela", (("I69.300", 1),), op=(0, 0, 0.1, 1, 2.5), age=(35, 120), dept="A21",
              op_tiers={"T3": 0.3, "T2": 0.3, "TCM": 0.4}),
        Group("diabetes", (("E11.900", 1),), op=(0, 0, 0.5, 4, 5), ip=(0, 0, 0.2, 1, 2), age=(25, 120),
              op_tiers=_GEN, ip_tiers=_HOSP, los=(8, 0.25, 4, 16)),
        Group("gout", (("M10.900", 1),), op=(0, 0, 0.8, 1.2, 1), age=(20, 120), op_tiers=_GEN),
        Group("gastritis", (("K29.700", 1),), op=(0, 1, 4, 4, 3.5), ip=(0, 0, 0.1, 0.3, 0.6), op_tiers=_GEN,
              ip_tiers={"T1": 0.5, "T2": 0.5}, los=(5, 0.2, 3, 9)),
        Group("gastroenteritis", (("K52.900", 0.6), ("A09.900", 0.4)), op=(8, 3, 2, 1.5, 1.5),
              ip=(4, 0.5, 0.2, 0.2, 0.6), season="summer", op_tiers=_GEN, ip_tiers=_HOSP, los=(4, 0.25, 2, 8)),
        Group("cholelithiasis", (("K80.100", 1),), ip=(0, 0, 1, 2.5, 2.5), age=(18, 120), dept="A04",
              ip_tiers=_BIG, los=(6, 0.25, 3, 14)),
        Group("appendicitis", (("K35.800", 1),), ip=(0, 2.5, 2, 1, 0.5), age=(5, 120), dept="A04",
              dept_child="A04", ip_tiers={"T3": 0.4, "T2": 0.45, "T1": 0.15}, los=(5, 0.2, 3, 10)),
        Group("back_pain", (("M54.500", 1),), op=(0, 0.2, 3, 4, 4), ip=(0, 0, 0.1, 0.3, 0.6), age=(15, 120),
              dept="A50", op_tiers=_TCM_OP, ip_tiers={"TCM": 0.6, "T2": 0.4}, los=(8, 0.25, 4, 14)),
        Group("cervical", (("M47.800", 1),), op=(0, 0, 2, 3, 2), age=(20, 120), dept="A50", op_tiers=_TCM_OP),
        Group("lumbar_disc", (("M51.202", 1),), op=(0, 0, 1, 1.5, 1), ip=(0, 0, 0.5, 1, 1), age=(20, 120),
              dept="A50", op_tiers=_TCM_OP, ip_tiers={"TCM": 0.7, "T2": 0.3}, los=(12, 0.3, 6, 28)),
        Group("knee_oa", (("M17.900", 1),), op=(0, 0, 0.3, 2.5, 4), age=(40, 120), dept="A04", op_tiers=_GEN),
        Group("osteoporosis", (("M81.000", 1),), op=(0, 0, 0, 1.5, 3), sex="2", age=(50, 120), op_tiers=_GEN),
        Group("hip_fracture", (("S72.000", 1),), ip=(0, 0, 0, 0.4, 4), age=(55, 120), dept="A04",
              ip_tiers=_BIG, los=(12, 0.3, 7, 30)),
        Group("sprain", (("S93.400", 0.6), ("S61.900", 0.4)), op=(1, 3, 2.5, 1.5, 1), dept="A04", dept_child="A04",
              op_tiers=_GEN),
        Group("uti", (("N39.000", 1),), op=(0.5, 0.5, 2, 2, 2.5), ip=(0.3, 0.1, 0.3, 0.3, 1.2), op_tiers=_GEN,
              ip_tiers=_HOSP, los=(5, 0.25, 3, 10)),
        Group("bph", (("N40.x00", 1),), op=(0, 0, 0, 2, 5), ip=(0, 0, 0, 0.3, 1.5), sex="1", age=(50, 120),
              dept="A04", op_tiers={"T2": 0.5, "T3": 0.5}, ip_tiers=_BIG, los=(7, 0.2, 4, 14)),
        Group("vaginitis", (("N76.000", 1),), op=(0, 0, 4, 2, 0.5), sex="2", age=(16, 75), dept="A05",
              op_tiers={"T2": 0.5, "T3": 0.5}),
        Group("fibroid", (("D25.900", 1),), ip=(0, 0, 0.6, 1.2, 0), sex="2", age=(32, 58), dept="A05",
              ip_tiers=_BIG, los=(7, 0.2, 4, 12)),
        Group("antenatal", (("Z34.900", 1),), op=(0, 0, 3, 0, 0), sex="2", age=(20, 42), dept="A05",
              op_tiers={"T2": 0.5, "T3": 0.5}),
        Group("conjunctivitis", (("H10.900", 1),), op=(1.5, 1, 1, 1, 1), dept="A10", dept_child="A10",
              op_tiers={"T2": 0.5, "T3": 0.5}),
        Group("cataract", (("H25.900", 1),), ip=(0, 0, 0, 0.4, 4), age=(50, 120), dept="A10",
              ip_tiers=_BIG, los=(3, 0.15, 2, 5)),
        Group("caries", (("K02.900", 1),), op=(2, 3, 1.5, 1, 0.6), dept="A12", dept_child="A12",
              op_tiers={"T2": 0.5, "T3": 0.5}),
        Group("dermatitis", (("L30.900", 1),), op=(2, 1.5, 2, 1.5, 1.5), dept="A13", dept_child="A13",
              op_tiers={"T2": 0.4, "T3": 0.4, "CHC": 0.2}),
        Group("depression", (("F32.900", 1),), op=(0, 0.3, 1, 0.8, 0.5), age=(12, 120), dept="A15",
              dept_child="A15", op_tiers={"PSY": 0.6, "T3": 0.4}),
        Group("insomnia", (("G47.000", 1),), op=(0, 0, 1, 1.5, 2), age=(18, 120), op_tiers=_GEN),
        Group("headache", (("R51.x00", 1),), op=(0, 0.5, 1.5, 1, 0.8), ip=(0, 0, 0.1, 0.2, 0.4), op_tiers=_GEN,
              ip_tiers={"T1": 0.5, "T2": 0.5}, los=(5, 0.2, 3, 9)),
        # Scheduled by condition or event, not by incidence tables.
        Group("schizophrenia", (("F20.900", 1),), dept="A15", dept_child="A15", ip_tiers={"PSY": 1.0},
              los=(35, 0.35, 14, 80)),
        Group("dialysis", (("N18.500", 1),), dept="A03"),
        Group("chemo", (("Z51.100", 1),), dept="A19", dept_child="A19", ip_tiers={"T3": 1.0}, los=(2, 0.2, 1, 4)),
        Group("delivery", (("O80.000", 0.6), ("O82.000", 0.4)), sex="2", dept="A05", ip_tiers={"T3": 0.5, "T2": 0.5},
              los=(3, 0.2, 2, 6)),
        Group("neonatal_jaundice", (("P59.900", 1),), dept="A07", ip_tiers={"T3": 0.5, "T2": 0.5},
              los=(5, 0.2, 3, 8)),
        Group("newborn_check", (("Z00.100", 1),), dept="A07", op_tiers={"T2": 0.5, "T3": 0.5}),
    )
}
