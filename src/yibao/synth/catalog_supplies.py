"""Decoction pieces (102), consumables (301) and the daily goods pharmacies stock.

Herbs marked `single_herb` are the 药食同源 and tonic pieces that are not paid
when prescribed alone (中药饮片单味使用不予支付, batch 11 examples: 丁香, 人参片, 八角茴香).
Daily goods are class C (丙类) items a pharmacy may stock but never bill to the
fund; they exist so that item substitution (串换) has something to hide.
"""

from __future__ import annotations

from yibao.synth.items import Item, consumable, herb

__all__ = ["CONSUMABLES", "DAILY_GOODS", "HERBS"]

HERBS: tuple[Item, ...] = (
    herb("h_huangqi", "黄芪", 0.095),
    herb("h_danggui", "当归", 0.22),
    herb("h_dangshen", "党参", 0.18),
    herb("h_baizhu", "白术(麸炒)", 0.12),
    herb("h_fuling", "茯苓", 0.08),
    herb("h_gancao", "甘草片", 0.09),
    herb("h_chuanxiong", "川芎", 0.11),
    herb("h_baishao", "白芍", 0.085),
    herb("h_shudi", "熟地黄", 0.10),
    herb("h_chenpi", "陈皮", 0.065),
    herb("h_banxia", "法半夏", 0.35),
    herb("h_chaihu", "北柴胡", 0.25),
    herb("h_huangqin", "黄芩片", 0.13),
    herb("h_jinyinhua", "金银花", 0.65),
    herb("h_lianqiao", "连翘", 0.28),
    herb("h_jiegeng", "桔梗", 0.12),
    herb("h_xingren", "苦杏仁(燀)", 0.14),
    herb("h_maidong", "麦冬", 0.32),
    herb("h_wuweizi", "五味子", 0.26),
    herb("h_danshen", "丹参", 0.09),
    herb("h_honghua", "红花", 0.85),
    herb("h_taoren", "桃仁", 0.30),
    herb("h_gegen", "葛根", 0.06),
    herb("h_niuxi", "牛膝", 0.15),
    herb("h_duzhong", "杜仲", 0.18),
    herb("h_duhuo", "独活", 0.12),
    herb("h_sangjisheng", "桑寄生", 0.10),
    herb("h_fangfeng", "防风", 0.20),
    herb("h_shengjiang", "生姜", 0.025),
    # not paid alone (单味使用不予支付)
    herb("h_renshen", "人参片", 1.20, single_herb=True, lv="02"),
    herb("h_xiyangshen", "西洋参片", 1.80, single_herb=True, lv="02"),
    herb("h_dingxiang", "丁香", 0.35, single_herb=True),
    herb("h_bajiao", "八角茴香", 0.15, single_herb=True),
    herb("h_gouqi", "枸杞子", 0.15, single_herb=True),
    herb("h_dazao", "大枣", 0.04, single_herb=True),
    herb("h_shanyao", "山药", 0.07, single_herb=True),
    herb("h_yiyiren", "薏苡仁", 0.05, single_herb=True),
    herb("h_longyan", "龙眼肉", 0.16, single_herb=True),
    herb("h_shanzha", "山楂", 0.05, single_herb=True),
)

CONSUMABLES: tuple[Item, ...] = (
    consumable("infusion_set", "一次性使用输液器(带针)", 2.5, lv="01", max_daily=6),
    consumable("syringe", "一次性使用无菌注射器 5ml", 0.8, lv="01", max_daily=10),
    consumable("iv_cannula", "静脉留置针", 18.0, max_daily=2),
    consumable("dressing_pack", "医用敷料包", 8.0, max_daily=3),
    consumable("catheter_pack", "一次性使用导尿包", 25.0, max_daily=2),
    consumable("suture", "可吸收外科缝线", 45.0, max_daily=4),
    consumable("stapler", "一次性使用腔镜切割吻合器", 1450.0, med_type="21", max_daily=3),
    consumable("stent", "药物洗脱冠脉支架系统", 7000.0, med_type="21", hosp_lv="1", max_daily=3),
    consumable("balloon_plain", "PTCA球囊扩张导管", 1500.0, med_type="21", hosp_lv="1", max_daily=2),
    consumable("balloon_dcb", "药物涂层球囊扩张导管", 12000.0, med_type="21", hosp_lv="1", max_daily=2),
    consumable("iol", "人工晶状体(单焦点)", 1200.0, med_type="21", max_daily=2),
    consumable("hip_prosthesis", "人工髋关节假体(全髋)", 18000.0, med_type="21", max_daily=1),
    consumable("dialyzer", "血液透析器", 120.0, max_daily=1),
    consumable("glucose_strip", "血糖试纸 50片", 65.0, max_daily=2),
    consumable("mask", "一次性使用医用外科口罩 10只", 10.0, lv="03"),
    consumable("thermometer", "电子体温计", 25.0, lv="03"),
)

DAILY_GOODS: tuple[Item, ...] = (
    consumable("g_shampoo", "洗发水 400ml(日用品)", 39.9, lv="03"),
    consumable("g_oil", "食用植物调和油 5L(日用品)", 79.9, lv="03"),
    consumable("g_rice", "大米 10kg(日用品)", 59.9, lv="03"),
    consumable("g_toothpaste", "牙膏 120g(日用品)", 15.9, lv="03"),
    consumable("g_vitc", "维生素C咀嚼片(保健食品)", 45.0, lv="03"),
    consumable("g_protein", "蛋白粉 400g(保健食品)", 198.0, lv="03"),
)
