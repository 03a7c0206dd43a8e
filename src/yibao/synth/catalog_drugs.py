"""Drugs (list_type 101): western drugs (X + ATC class) and patent medicines (Z).

Oral drugs are priced per box, injectables per vial or bag. Restrictions follow
the kinds of knowledge points in the national rule base: indication (限适应症),
sex, children, institution level (参麦/参附注射液), inpatient only (ω-3鱼油脂肪乳)
and psychiatric drugs tied to the psychiatry department or a psychiatric hospital.
"""

from __future__ import annotations

from yibao.synth.items import Item, drug, patent

__all__ = ["DRUGS"]

_PSY = {"dept": "A15", "inst_type": "A520"}
_ONCO = "C"


def _v(item: Item, *specs: tuple[str, str, float]) -> tuple[Item, ...]:
    return (item, *(item.variant(s, spec, f) for s, spec, f in specs))


DRUGS: tuple[Item, ...] = (
    # cardiovascular (chronic)
    *_v(drug("amlodipine", "C08CA", "苯磺酸氨氯地平片 5mg×28片", 28.0), ("s", "5mg×7片", 0.27)),
    *_v(drug("nifedipine_cr", "C08CA", "硝苯地平控释片 30mg×7片", 20.5), ("l", "30mg×14片", 1.95)),
    *_v(drug("valsartan", "C09CA", "缬沙坦胶囊 80mg×28粒", 45.0, lv="02"), ("s", "80mg×7粒", 0.27)),
    drug("irbesartan", "C09CA", "厄贝沙坦片 150mg×14片", 18.6),
    drug("metoprolol", "C07AB", "酒石酸美托洛尔片 25mg×20片", 8.5),
    drug("hctz", "C03AA", "氢氯噻嗪片 25mg×100片", 6.0),
    drug("furosemide_inj", "C03CA", "呋塞米注射液 2ml:20mg", 1.5),
    drug("nitroglycerin", "C01DA", "硝酸甘油片 0.5mg×100片", 10.0),
    drug("isosorbide", "C01DA", "单硝酸异山梨酯缓释片 40mg×24片", 25.0),
    drug("digoxin", "C01AA", "地高辛片 0.25mg×100片", 12.0),
    drug("sacubitril", "C09DX", "沙库巴曲缬沙坦钠片 100mg×14片", 90.0, lv="02", dise="I50"),
    *_v(drug("atorvastatin", "C10AA", "阿托伐他汀钙片 20mg×7片", 12.0), ("l", "20mg×28片", 3.9)),
    drug("rosuvastatin", "C10AA", "瑞舒伐他汀钙片 10mg×28片", 38.0),
    *_v(drug("aspirin", "B01AC", "阿司匹林肠溶片 100mg×30片", 15.0), ("l", "100mg×60片", 1.9)),
    drug("clopidogrel", "B01AC", "硫酸氢氯吡格雷片 75mg×7片", 21.0, lv="02",
         dise="I20;I21;I22;I24;I25;I63;I65;I66;I70;Z95"),
    drug("heparin_lmw", "B01AB", "依诺肝素钠注射液 0.4ml:4000AxaIU", 35.0),
    drug("ozagrel", "B01AC", "奥扎格雷钠注射液 2ml:40mg", 25.0, lv="02", dise="I63"),
    # diabetes
    *_v(drug("metformin", "A10BA", "盐酸二甲双胍片 0.5g×20片", 5.2), ("l", "0.5g×60片", 2.9)),
    drug("metformin_xr", "A10BA", "盐酸二甲双胍缓释片 0.5g×30片", 16.8),
    drug("glimepiride", "A10BB", "格列美脲片 2mg×30片", 22.0),
    *_v(drug("acarbose", "A10BF", "阿卡波糖片 50mg×30片", 35.0), ("s", "50mg×15片", 0.52)),
    drug("insulin_glargine", "A10AE", "甘精胰岛素注射液 3ml:300单位", 170.0, lv="02", dise="E10;E11;E13;E14;O24"),
    drug("dapagliflozin", "A10BK", "达格列净片 10mg×14片", 60.0, lv="02", dise="E11"),
    # respiratory
    drug("ambroxol", "R05CB", "盐酸氨溴索口服溶液 100ml", 18.0),
    drug("ambroxol_inj", "R05CB", "盐酸氨溴索注射液 2ml:15mg", 6.0),
    drug("compound_licorice", "R05DA", "复方甘草片 100片", 5.0),
    drug("salbutamol", "R03AC", "硫酸沙丁胺醇吸入气雾剂 100μg×200揿", 25.0),
    drug("budesonide_neb", "R03BA", "吸入用布地奈德混悬液 2ml:1mg", 16.0, lv="02", dise="J20;J21;J18;J44;J45"),
    drug("montelukast", "R03DC", "孟鲁司特钠片 10mg×5片", 30.0, lv="02", dise="J45;J30"),
    drug("tiotropium", "R03BB", "噻托溴铵粉吸入剂 18μg×10粒", 120.0, lv="02", dise="J44"),
    drug("loratadine", "R06AX", "氯雷他定片 10mg×6片", 12.0),
    # anti-infectives
    *_v(drug("amoxicillin", "J01CA", "阿莫西林胶囊 0.25g×24粒", 8.0), ("l", "0.5g×24粒", 1.8)),
    drug("cefuroxime", "J01DC", "头孢呋辛酯片 0.25g×12片", 25.0),
    drug("azithromycin", "J01FA", "阿奇霉素片 0.25g×6片", 18.0),
    drug("levofloxacin", "J01MA", "左氧氟沙星片 0.5g×4片", 15.0, age_min=18),
    drug("levofloxacin_inj", "J01MA", "左氧氟沙星氯化钠注射液 100ml:0.5g", 25.0, age_min=18),
    drug("ceftriaxone", "J01DD", "注射用头孢曲松钠 1g", 12.0),
    drug("cefaclor_susp", "J01DC", "头孢克洛干混悬剂 0.125g×6袋", 22.0, age_max=14),
    drug("pip_tazo", "J01CR", "注射用哌拉西林钠他唑巴坦钠 4.5g", 58.0, lv="02", hosp_lv="2", med_type="21"),
    drug("meropenem", "J01DH", "注射用美罗培南 0.5g", 120.0, lv="02", hosp_lv="2", med_type="21",
         dise="A41;J15;J18;J96;K65;N39;P36"),
    # digestive
    *_v(drug("omeprazole", "A02BC", "奥美拉唑肠溶胶囊 20mg×14粒", 12.0), ("l", "20mg×28粒", 1.9)),
    drug("pantoprazole_inj", "A02BC", "注射用泮托拉唑钠 40mg", 18.0, lv="02", med_type="21"),
    drug("montmorillonite", "A07BC", "蒙脱石散 3g×10袋", 12.0),
    drug("mosapride", "A03FA", "枸橼酸莫沙必利片 5mg×24片", 25.0),
    drug("lactulose", "A06AD", "乳果糖口服溶液 100ml", 35.0),
    drug("ondansetron", "A04AA", "盐酸昂丹司琼注射液 4ml:8mg", 15.0, lv="02", dise="C;Z51;R11"),
    # pain, musculoskeletal
    *_v(drug("ibuprofen", "M01AE", "布洛芬缓释胶囊 0.3g×20粒", 12.0), ("s", "0.3g×10粒", 0.55)),
    drug("paracetamol", "N02BE", "对乙酰氨基酚片 0.5g×12片", 4.0),
    drug("ibuprofen_susp", "M01AE", "布洛芬混悬液 100ml", 15.0, age_max=12),
    drug("diclofenac_gel", "M02AA", "双氯芬酸二乙胺乳胶剂 20g", 18.0),
    drug("celecoxib", "M01AH", "塞来昔布胶囊 0.2g×6粒", 20.0, lv="02", dise="M0;M1;M45;M47;M48;M5"),
    drug("allopurinol", "M04AA", "别嘌醇片 0.1g×100片", 10.0),
    drug("febuxostat", "M04AA", "非布司他片 40mg×16片", 55.0, lv="02", dise="M10;E79"),
    drug("calcium_d3", "A12AX", "碳酸钙D3片 600mg×60片", 30.0),
    drug("eldecalcitol", "M05BX", "艾地骨化醇软胶囊 0.75μg×10粒", 60.0, lv="02", dise="M81", gend="2"),
    # children
    drug("child_cold", "R05XA", "小儿氨酚黄那敏颗粒 6g×10袋", 10.0, age_max=14),
    # nervous system, psychiatry
    drug("olanzapine", "N05AH", "奥氮平片 10mg×28片", 150.0, lv="02", dise="F20;F21;F22;F23;F25;F29;F30;F31", **_PSY),
    drug("risperidone", "N05AX", "利培酮片 1mg×20片", 40.0, dise="F20;F21;F22;F25;F29;F31", **_PSY),
    drug("sertraline", "N06AB", "盐酸舍曲林片 50mg×14片", 50.0, lv="02", dise="F32;F33;F41;F42"),
    drug("estazolam", "N05CD", "艾司唑仑片 1mg×20片", 5.0),
    drug("zolpidem", "N05CF", "酒石酸唑吡坦片 10mg×7片", 25.0, lv="02"),
    drug("edaravone", "N07XX", "依达拉奉注射液 20ml:30mg", 60.0, lv="02", dise="I63", hosp_lv="2"),
    drug("lidocaine", "N01BB", "盐酸利多卡因注射液 5ml:0.1g", 1.0),
    drug("propofol", "N01AX", "丙泊酚中/长链脂肪乳注射液 20ml:0.2g", 45.0, med_type="21"),
    # sex-specific
    drug("progesterone", "G03DA", "黄体酮注射液 1ml:20mg", 6.0, gend="2"),
    drug("oxytocin", "H01BB", "缩宫素注射液 1ml:10单位", 4.0, gend="2", dept="A05"),
    drug("mifepristone", "G03XB", "米非司酮片 25mg×6片", 40.0, gend="2"),
    drug("clotrimazole_vag", "G01AF", "克霉唑阴道片 0.5g×1片", 15.0, gend="2"),
    drug("tamsulosin", "G04CA", "盐酸坦索罗辛缓释胶囊 0.2mg×10粒", 30.0, gend="1"),
    drug("finasteride", "G04CB", "非那雄胺片 5mg×10片", 40.0, gend="1"),
    # blood, fluids, inpatient-only
    drug("albumin", "B05AA", "人血白蛋白注射液 10g:50ml", 380.0, lv="02", hosp_lv="2", med_type="21",
         dise="C;E88;J96;K70;K72;K74;R18;R57;T3"),
    drug("fish_oil", "B05BA", "ω-3鱼油脂肪乳注射液 100ml", 150.0, lv="02", med_type="21"),
    drug("saline", "B05BB", "0.9%氯化钠注射液 250ml", 3.5),
    drug("glucose5", "B05BA", "5%葡萄糖注射液 250ml", 3.8),
    drug("kcl", "B05XA", "氯化钾注射液 10ml:1.5g", 1.2),
    drug("epo", "B03XA", "重组人促红素注射液 3000IU", 45.0, lv="02", dise="N18;D63"),
    drug("calcitriol", "A11CC", "骨化三醇软胶囊 0.25μg×10粒", 25.0),
    # oncology
    drug("paclitaxel", "L01CD", "注射用紫杉醇(白蛋白结合型) 100mg", 780.0, lv="02", dise=_ONCO, hosp_lv="2"),
    drug("cisplatin", "L01XA", "注射用顺铂 20mg", 30.0, dise=_ONCO, hosp_lv="2"),
    drug("capecitabine", "L01BC", "卡培他滨片 0.5g×12片", 120.0, lv="02", dise="C15;C16;C18;C19;C20;C50"),
    # auxiliary drugs: unrestricted here, the usual vehicle of over-treatment
    patent("xueshuantong", "C01AA", "注射用血栓通(冻干) 250mg", 45.0, lv="02"),
    patent("danshen_salt", "C01AA", "注射用丹参多酚酸盐 100mg", 120.0, lv="02"),
    drug("thymalfasin", "L03AX", "注射用胸腺法新 1.6mg", 150.0, lv="02"),
    drug("glutathione", "V03AB", "注射用还原型谷胱甘肽 1.2g", 60.0, lv="02"),
    patent("shenmai", "C01BA", "参麦注射液 20ml", 35.0, lv="02", hosp_lv="2"),
    patent("shenfu", "C01BA", "参附注射液 10ml", 40.0, lv="02", hosp_lv="2", med_type="21"),
    # eye, skin
    drug("tobramycin_eye", "S01AA", "妥布霉素滴眼液 5ml:15mg", 15.0),
    drug("hydrocortisone_cream", "D07AA", "丁酸氢化可的松乳膏 10g", 12.0),
    drug("prednisone", "H02AB", "醋酸泼尼松片 5mg×100片", 8.0),
    drug("dexamethasone_inj", "H02AB", "地塞米松磷酸钠注射液 1ml:5mg", 0.8),
    # patent medicines common at pharmacies and outpatient clinics
    *_v(patent("ganmaoling", "A01AA", "感冒灵颗粒 10g×9袋", 15.0), ("l", "10g×18袋", 1.9)),
    patent("banlangen", "A01BA", "板蓝根颗粒 10g×20袋", 12.0),
    *_v(patent("lianhua", "A01BA", "连花清瘟胶囊 0.35g×24粒", 18.0), ("l", "0.35g×36粒", 1.45)),
    patent("child_chiqiao", "A01AB", "小儿豉翘清热颗粒 2g×6袋", 25.0, age_max=14),
    patent("niuhuang", "A01BC", "牛黄解毒片 24片", 6.0),
    *_v(patent("compound_danshen", "C01AB", "复方丹参滴丸 27mg×180丸", 30.0), ("s", "27mg×60丸", 0.36)),
    patent("xuesaitong", "C01AB", "血塞通软胶囊 60mg×24粒", 32.0),
    patent("liuwei", "B01AA", "六味地黄丸(浓缩丸) 200丸", 20.0),
    patent("yunnan_baiyao", "D01AA", "云南白药气雾剂 50g+60g", 35.0),
    patent("jingzhi_kesou", "A02CA", "急支糖浆 200ml", 16.0),
    patent("xiaoyao", "B02AA", "逍遥丸 200丸", 15.0),
)
