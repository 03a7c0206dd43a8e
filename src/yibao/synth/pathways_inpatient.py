"""Order sets for inpatient stays (21).

``ip_base`` is billed on every ordinary stay: bed, nursing and the inpatient
consultation on each stay day (算头不算尾), admission labs, a recheck every
seven days and a daily infusion, so no stay day is without treatment. Groups in
NO_BASE bring their own daily care.
"""

from __future__ import annotations

__all__ = ["INPATIENT", "NO_BASE", "SEVERE"]

NO_BASE = {"schizophrenia", "neonatal_jaundice", "resp_failure"}
SEVERE = {"stroke", "heart_failure", "copd_exac", "angina", "hip_fracture"}

_DAILY = [
    "bed_3:4|bed_2:1 1 daily", "consult_inpt 1 daily",
    "iv_first+saline+infusion_set 1 daily age=7-200", "iv_child+saline+infusion_set 1 daily age=0-6",
]

_SETS: dict[str, list[str]] = {
    "base": [
        *_DAILY, "cbc 1 d0", "urine 0.8 d0", "liver_panel 0.8 d0", "renal_panel 0.8 d0", "electrolytes 0.6 d0",
        "coag_panel 0.5 d0", "ecg 0.7 d0", "xray_chest 0.5 d0", "cbc 0.8 e7@7", "glucose 0.4 d0",
    ],
    "base_routine": ["bed_3 1 daily", "consult_inpt 1 daily", "cbc 1 d0", "urine 0.8 d0", "ecg 0.7 d0"],
    "nurse_1": ["nurs_1 1 daily"],
    "nurse_2": ["nurs_2 1 daily"],
    "pneumonia": [
        "crp 0.9 d0", "pct 0.3 d0", "blood_culture 0.15 d0", "ct_chest 0.3 d1 age=15-200",
        "ceftriaxone*2:3|levofloxacin_inj:2|pip_tazo:1 0.95 c5-7 age=18-200", "ceftriaxone*2 0.95 c5-7 age=0-17",
        "ambroxol_inj*2 0.6 c4-7", "oxygen 0.3 c3-5 4-12", "budesonide_neb*2+nebulize 0.3 c3-5",
        "ambroxol|compound_licorice 0.5 dis",
    ],
    "bronchitis": ["crp 0.8 d0", "ceftriaxone*2 0.7 c3-5", "ambroxol_inj*2 0.6 c3-5", "budesonide_neb*2+nebulize 0.4 c3-5"],
    "copd_exac": [
        "bnp 0.3 d0", "budesonide_neb*2+nebulize 0.9 c5-7", "oxygen 0.9 daily 8-16",
        "levofloxacin_inj:2|pip_tazo:1 0.8 c5-7", "ambroxol_inj*2 0.6 c5-7", "tiotropium 0.7 dis",
    ],
    "resp_failure": [
        "bed_icu 1 daily", "nurs_special 1 daily", "icu_care 1 daily 24", "consult_inpt 1 daily",
        "iv_first+iv_more*3+saline*2+infusion_set*2 1 daily", "oxygen 1 daily 24", "glucose_bedside 1 daily 4",
        "cbc 1 d0", "cbc 1 e7@7", "pct 0.8 d0", "blood_culture 0.7 d0", "bnp 0.5 d0", "liver_panel 1 d0", "ct_abdomen 0.3 d1",
        "renal_panel 1 d0", "electrolytes 1 d0", "coag_panel 0.8 d0", "ct_chest 0.6 d1",
        "meropenem*3:1|pip_tazo*3:1 0.95 c7-10", "albumin 0.4 c3-5", "propofol*2 0.25 c2-4",
        "pantoprazole_inj 0.7 c5-7",
    ],
    "hypertension": ["amlodipine|nifedipine_cr|valsartan 0.9 dis", "us_heart 0.3 d1", "lipid_panel 0.6 d0",
                     "xueshuantong 0.2 c5-7"],
    "angina": [
        "troponin 0.95 d0", "us_heart 0.8 d0", "coronary_angio 0.9 op", "pci+stent+balloon_plain 0.6 op",
        "heparin_lmw 0.9 c3-5", "aspirin 0.9 dis", "clopidogrel 0.9 dis 2-4", "atorvastatin|rosuvastatin 0.9 dis",
        "ecg_monitor 0.7 c2-3 24", "lipid_panel 0.8 d0",
    ],
    "heart_failure": [
        "bnp 0.95 d0", "bnp 0.4 e7@7", "us_heart 0.8 d0", "furosemide_inj*2 0.9 c3-5", "digoxin 0.3 dis",
        "sacubitril 0.4 dis 1-2", "dapagliflozin 0.3 dis", "oxygen 0.5 c3-5 6-12", "shenmai 0.15 c5-7",
        "xueshuantong 0.1 c5-7",
    ],
    "stroke": [
        "ct_head 0.95 d0", "mri_head 0.5 d1", "ddimer 0.7 d0", "lipid_panel 0.8 d0", "ozagrel*2 0.6 c7-12",
        "edaravone*2 0.4 c7-12", "xueshuantong 0.3 c7-10", "aspirin 0.9 dis", "clopidogrel 0.5 dis 2-4",
        "atorvastatin|atorvastatin_l 0.8 dis", "hemiplegia_train 0.6 f3 bill=A21", "pt_exercise 0.5 e2@3 bill=A21",
        "rehab_assess 0.6 e14@2 bill=A21", "acupuncture 0.3 c5-8 bill=A50",
    ],
    "diabetes": [
        "glucose_bedside 1 daily 4-7", "insulin_glargine 0.7 d0", "hba1c 0.6 d0", "lipid_panel 0.6 d0",
        "metformin|metformin_xr 0.8 dis 1-2", "glimepiride|acarbose 0.4 dis",
    ],
    "gastritis": ["omeprazole 0.8 dis", "pantoprazole_inj 0.8 c3-5", "us_abdomen 0.5 d0"],
    "gastroenteritis": ["stool 0.9 d0", "glucose5 0.8 c2-3", "kcl 0.4 c2-3", "montmorillonite 0.6 dis"],
    "cholelithiasis": [
        "us_abdomen 0.95 d0", "ct_chest+ct_abdomen 0.25 d0", "lap_chole+anesth_general 0.95 op", "stapler 0.5 op 1-2", "suture 0.9 op",
        "ceftriaxone*2 0.8 c2-3", "pantoprazole_inj 0.5 c2-3", "dressing 0.8 e2@2",
    ],
    "appendicitis": [
        "appendectomy 0.95 op", "anesth_spinal:2|anesth_general:1 0.95 op", "suture 0.9 op", "ceftriaxone*2 0.9 c3-4",
        "dressing 0.8 e2@2",
    ],
    "back_pain": ["acupuncture 0.6 c5-8 bill=A50", "tuina_lumbar 0.5 c5-8 bill=A50", "celecoxib 0.4 dis",
                  "xueshuantong 0.2 c5-7"],
    "lumbar_disc": [
        "tcm_syndrome 0.8 d0", "acupuncture|warm_needle 0.8 c7-10 bill=A50", "tuina_lumbar 0.7 c7-10 bill=A50",
        "@rx_bi 0.6 e7 7", "celecoxib 0.4 dis", "diclofenac_gel 0.4 dis", "xueshuantong 0.4 c5-7",
        "pt_exercise 0.3 e2@1 bill=A21",
    ],
    "hip_fracture": [
        "ct_chest+ct_abdomen 0.3 d0", "hip_replace+hip_prosthesis+anesth_general 0.85 op", "suture 0.85 op",
        "heparin_lmw 0.9 c7-10", "ceftriaxone*2 0.9 c3", "pt_exercise 0.6 e2@4 bill=A21",
        "wheelchair_train 0.4 f5 bill=A21", "rehab_assess 0.5 e14@3 bill=A21", "calcium_d3 0.6 dis",
    ],
    "uti": ["urine 1 d0", "levofloxacin_inj 0.7 c3-5 age=18-200", "ceftriaxone*2 0.8 c3-5 age=0-17"],
    "headache": ["ct_head 0.8 d0", "mri_head 0.3 d1", "xueshuantong 0.3 c3-5"],
    "bph": ["psa 0.8 d0", "turp+anesth_spinal 0.85 op", "catheter 0.9 c3-4", "tamsulosin 0.8 dis 1-2"],
    "fibroid": [
        "us_abdomen 0.9 d0", "hysterectomy+anesth_general 0.9 op", "adnexectomy 0.6 op", "stapler 0.2 op",
        "ceftriaxone*2 0.9 c3", "suture 0.9 op",
    ],
    "cataract": ["slit_lamp 1 d0", "cataract+iol+lidocaine 0.95 op", "tobramycin_eye 0.9 dis"],
    "delivery": [
        "us_obst 0.8 d0", "vaginal_delivery 1 d0 dx=O80", "cesarean+anesth_spinal 1 d0 dx=O82",
        "oxytocin 0.9 d0 1-2", "ceftriaxone*2 0.9 c2-3 dx=O82",
    ],
    "neonatal_jaundice": [
        "bed_3 1 daily", "newborn_care 1 daily", "phototherapy 1 daily 8-16", "tbil 1 d0", "hearing_screen 0.5 d1",
        "cbc 0.8 d0",
    ],
    "schizophrenia": [
        "bed_3 1 daily", "nurs_2 1 daily", "consult_inpt 1 daily", "psy_monitor 1 daily", "cbc 1 d0",
        "liver_panel 0.8 d0", "ecg 0.8 d0", "olanzapine:2|risperidone:1 1 e7 1-2", "psy_scale 0.8 e14",
        "psychotherapy 0.6 e3",
    ],
    "chemo": [
        "paclitaxel:1|cisplatin:2 1 d0 1-3", "ondansetron 0.9 d0", "cbc 1 d0", "liver_panel 0.5 d0",
        "cea 0.3 d0", "thymalfasin 0.15 d0", "dexamethasone_inj 0.6 d0",
    ],
}

# Inpatient sets are named ip_<name> so they never collide with the outpatient set of the same disease.
INPATIENT: dict[str, list[str]] = {f"ip_{k}": v for k, v in _SETS.items()}
