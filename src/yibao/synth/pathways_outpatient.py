"""Order sets for clinic visits (11), chronic-disease care (14) and pharmacy purchases (41).

Keys are pathway names: a disease group for ordinary visits, ``c14_*`` for
chronic-disease care (one per condition the patient lives with), ``ph_*`` for
pharmacy baskets. Every clinic visit also gets the ``reg`` registration set.
"""

from __future__ import annotations

__all__ = ["OUTPATIENT"]

_REG = ["reg_outpt:3|reg_expert:1 1 v"]
_RX_TCM = "@rx_{} 0.35 v 7 dept=A50"
_RX_ANY = "@rx_{} 0.06 v 7"
_IV = "iv_first+saline+infusion_set 0.06 v age=7-200"
_ABX_ADULT = "amoxicillin|amoxicillin_l|cefuroxime|azithromycin {} v 1-2 age=15-200"
_ABX_CHILD = "cefaclor_susp|amoxicillin {} v 1-2 age=0-14"

OUTPATIENT: dict[str, list[str]] = {
    "reg": _REG,
    "urti": [
        "cbc 0.45 v", "crp 0.3 v", _ABX_ADULT.format(0.3), _ABX_CHILD.format(0.35),
        "child_cold|child_chiqiao 0.55 v 1-2 age=0-14", "ibuprofen_susp 0.3 v age=0-11",
        "ganmaoling|ganmaoling_l|lianhua|lianhua_l|banlangen|jingzhi_kesou|compound_licorice 0.6 v 1-2 age=15-200",
        "paracetamol|ibuprofen|ibuprofen_s 0.3 v age=15-200",
        "iv_first+ceftriaxone*2+saline*2+infusion_set*2 0.06 v age=7-200", _RX_TCM.format("cold"),
    ],
    "bronchitis": [
        "cbc 0.5 v", "crp 0.3 v", "xray_chest 0.3 v", _ABX_ADULT.format(0.5), _ABX_CHILD.format(0.5),
        "ambroxol|compound_licorice|jingzhi_kesou 0.7 v 1-2", "budesonide_neb*2+nebulize 0.1 v",
        _RX_TCM.format("cold"),
    ],
    "pneumonia": [
        "cbc 0.9 v", "crp 0.7 v", "xray_chest 0.8 v", "ct_chest 0.2 v age=15-200", _ABX_ADULT.format(0.9),
        _ABX_CHILD.format(0.9), "iv_first+ceftriaxone*2+saline*2+infusion_set*2 0.3 v age=7-200",
    ],
    "copd": ["tiotropium|salbutamol 0.8 v", "ambroxol 0.4 v", "xray_chest 0.1 v", _RX_ANY.format("tonic")],
    "asthma": ["salbutamol 0.6 v", "montelukast 0.4 v", "budesonide_neb*2+nebulize 0.2 v"],
    "hypertension": [
        "amlodipine|amlodipine_s|nifedipine_cr|nifedipine_cr_l|valsartan|valsartan_s|irbesartan|metoprolol|hctz 0.9 v 1-2",
        "ecg 0.15 v", "renal_panel 0.1 v", "lipid_panel 0.1 v",
    ],
    "chd": [
        "aspirin|aspirin_l 0.7 v", "atorvastatin|atorvastatin_l|rosuvastatin 0.7 v", "clopidogrel 0.2 v 1-2",
        "isosorbide|nitroglycerin 0.3 v", "compound_danshen|compound_danshen_s 0.2 v", "ecg 0.3 v",
        "us_heart 0.05 v",
    ],
    "diabetes": [
        "metformin|metformin_l|metformin_xr|glimepiride|acarbose|acarbose_s 0.9 v 1-2", "glucose 0.5 v",
        "hba1c 0.3 v", "insulin_glargine 0.15 v", "dapagliflozin 0.1 v",
    ],
    "gout": ["allopurinol|febuxostat 0.7 v", "renal_panel 0.3 v", "celecoxib 0.3 v"],
    "gastritis": ["omeprazole|omeprazole_l 0.8 v 1-2", "mosapride 0.4 v", "us_abdomen 0.1 v", _RX_TCM.format("stomach"),
                  _RX_ANY.format("stomach")],
    "gastroenteritis": [
        "stool 0.5 v", "cbc 0.4 v", "montmorillonite 0.7 v 1-2", "iv_first+saline+glucose5+infusion_set 0.05 v age=7-200",
    ],
    "back_pain": [
        "tcm_syndrome 0.6 v dept=A50", "acupuncture|warm_needle 0.5 v dept=A50", "tuina_lumbar 0.4 v dept=A50",
        "moxa|cupping 0.25 v dept=A50", "diclofenac_gel 0.3 v", "celecoxib 0.2 v", _RX_TCM.format("bi"),
    ],
    "cervical": [
        "tcm_syndrome 0.6 v dept=A50", "acupuncture|warm_needle 0.5 v dept=A50", "tuina_neck 0.5 v dept=A50",
        "moxa|cupping 0.2 v dept=A50", "diclofenac_gel 0.2 v", _RX_TCM.format("bi"),
    ],
    "lumbar_disc": [
        "tcm_syndrome 0.6 v dept=A50", "acupuncture|warm_needle 0.5 v dept=A50", "tuina_lumbar 0.5 v dept=A50",
        "celecoxib 0.3 v", "diclofenac_gel 0.3 v", _RX_TCM.format("bi"),
    ],
    "knee_oa": ["diclofenac_gel 0.5 v", "celecoxib 0.3 v", "calcium_d3 0.2 v"],
    "osteoporosis": ["calcium_d3 0.8 v 1-2", "eldecalcitol 0.5 v 1-2", "calcitriol 0.2 v", "dexa 0.2 v",
                     _RX_ANY.format("tonic")],
    "sprain": [
        "debride_suture+suture+lidocaine+dressing_pack 0.85 v dx=S61", "dressing 0.3 v dx=S93",
        "yunnan_baiyao 0.4 v dx=S93", "diclofenac_gel 0.3 v dx=S93", "cefuroxime 0.3 v dx=S61 age=15-200",
    ],
    "uti": ["urine 0.9 v", "cbc 0.4 v", "levofloxacin 0.4 v age=18-200", "cefuroxime|amoxicillin 0.4 v"],
    "bph": ["tamsulosin|finasteride 0.9 v 1-2", "psa 0.2 v", "us_abdomen 0.1 v"],
    "vaginitis": ["clotrimazole_vag 0.8 v 1-2", "urine 0.2 v"],
    "antenatal": ["us_obst 0.5 v", "cbc 0.4 v", "urine 0.4 v", "hcg 0.2 v"],
    "conjunctivitis": ["tobramycin_eye 0.9 v", "slit_lamp 0.5 v"],
    "caries": ["caries_fill 0.7 v 1-2"],
    "dermatitis": ["hydrocortisone_cream 0.8 v", "loratadine 0.5 v"],
    "depression": ["sertraline 0.8 v 1-2", "psy_scale 0.5 v dept=A15", "psychotherapy 0.2 v dept=A15"],
    "insomnia": ["estazolam|zolpidem 0.7 v", _RX_TCM.format("sleep"), _RX_ANY.format("sleep")],
    "headache": ["paracetamol|ibuprofen 0.6 v", "ct_head 0.1 v"],
    "stroke_sequela": [
        "rehab_assess 0.3 v dept=A21", "pt_exercise 0.6 v dept=A21", "hemiplegia_train 0.5 v dept=A21",
        "acupuncture 0.4 v dept=A21,A50", "aspirin 0.5 v", "atorvastatin 0.3 v", _RX_TCM.format("stroke"),
    ],
    "newborn_check": ["hearing_screen 0.8 v"],
    # chronic-disease outpatient care (门诊慢特病), one set per condition of the patient
    "c14_hypertension": [
        "amlodipine|nifedipine_cr|nifedipine_cr_l|valsartan|irbesartan 0.95 v 1-3", "metoprolol|hctz 0.3 v",
        "ecg 0.15 v", "renal_panel 0.1 v",
    ],
    "c14_diabetes": [
        "metformin|metformin_l|metformin_xr 0.9 v 1-3", "glimepiride|acarbose 0.5 v 1-2", "insulin_glargine 0.25 v 1-2",
        "dapagliflozin 0.1 v", "glucose 0.5 v", "hba1c 0.3 v", "glucose_strip 0.3 v",
    ],
    "c14_copd": ["tiotropium 0.8 v 1-2", "salbutamol 0.4 v", "ambroxol 0.3 v"],
    "c14_chd": [
        "aspirin|aspirin_l 0.8 v", "atorvastatin|atorvastatin_l|rosuvastatin 0.8 v 1-2", "clopidogrel 0.3 v 1-3",
        "isosorbide 0.3 v", "ecg 0.2 v", "lipid_panel 0.1 v",
    ],
    "c14_schizophrenia": ["olanzapine|risperidone 1 v 1-2", "psy_scale 0.3 v", "estazolam 0.2 v"],
    "c14_dialysis": ["dialysis+dialyzer 1 v", "heparin_lmw 0.9 v", "epo 0.4 v", "calcitriol 0.1 v"],
    # pharmacy baskets (定点药店购药): no diagnosis, so nothing restricted by indication
    "ph_otc": [
        "ganmaoling|ganmaoling_l|lianhua|lianhua_l|banlangen|jingzhi_kesou|compound_licorice|paracetamol|ibuprofen"
        "|ibuprofen_s|niuhuang|loratadine 0.7 v 1-2",
        "omeprazole|montmorillonite|mosapride 0.12 v", "diclofenac_gel|yunnan_baiyao 0.15 v",
        "calcium_d3|liuwei|xiaoyao|compound_danshen_s 0.2 v 1-2", "mask|thermometer 0.05 v",
        "child_cold|ibuprofen_susp 0.05 v age=0-11",
    ],
    "ph_hypertension": ["amlodipine|amlodipine_s|nifedipine_cr|irbesartan|metoprolol 0.9 v 1-2"],
    "ph_diabetes": ["metformin|metformin_l|glimepiride|acarbose_s 0.9 v 1-2", "glucose_strip 0.3 v"],
    "ph_chd": ["aspirin|atorvastatin_l|compound_danshen|xuesaitong|isosorbide 0.9 v 1-2"],
    "ph_copd": ["salbutamol|ambroxol|compound_licorice 0.8 v"],
}
