"""Chinese names and addresses, drawn vectorised from weighted tables."""

from __future__ import annotations

import numpy as np

__all__ = ["COMMUNITIES", "SURNAMES", "SURNAME_WEIGHTS", "given_names", "surnames"]

# The 60 commonest surnames with rough population weights (percent).
_SURNAME_TABLE = (
    "王7.1 李7.0 张6.8 刘5.4 陈4.5 杨3.2 黄2.3 赵2.2 吴2.0 周1.9 徐1.5 孙1.5 马1.4 朱1.3 胡1.3 郭1.1 何1.1 "
    "高1.0 林1.0 罗1.0 郑0.9 梁0.9 谢0.8 宋0.8 唐0.8 许0.7 韩0.7 冯0.7 邓0.7 曹0.7 彭0.6 曾0.6 肖0.6 田0.6 "
    "董0.5 袁0.5 潘0.5 于0.5 蒋0.5 蔡0.5 余0.5 杜0.5 叶0.4 程0.4 苏0.4 魏0.4 吕0.4 丁0.4 任0.4 沈0.4 姚0.4 "
    "卢0.4 姜0.3 崔0.3 钟0.3 谭0.3 陆0.3 汪0.3 范0.3 廖0.3"
)
SURNAMES: tuple[str, ...] = tuple(s[0] for s in _SURNAME_TABLE.split())
SURNAME_WEIGHTS = np.array([float(s[1:]) for s in _SURNAME_TABLE.split()])
SURNAME_WEIGHTS = SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum()

_MALE_CHARS = tuple("伟强磊军勇杰涛斌浩明超刚平辉鹏华飞鑫波宇俊帆建国志海东峰林文博昊宏毅立新凯晨睿泽轩")
_FEMALE_CHARS = tuple("芳娜敏静丽艳娟霞秀玲桂英华红梅琳燕雪婷慧颖倩洁琴云莲萍欣怡悦彤涵晶佳瑶婉")
_SHARED_CHARS = tuple("子雨思一佳嘉文明安宁晓春")

COMMUNITIES: tuple[str, ...] = tuple(
    ["阳光花园", "湘江世纪城", "金色家园", "芙蓉苑", "桂花小区", "和馨园", "锦绣华庭", "南湖新村", "枫林雅苑", "东方明珠", "幸福里", "北辰三角洲", "万科城", "恒大华府", "书香名邸", "碧桂园", "梅溪湖小区", "星城花园", "丽景湾", "翠园"]
)


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surnames by population weight."""
    return np.asarray(SURNAMES, dtype=object)[rng.choice(len(SURNAMES), size=n, p=SURNAME_WEIGHTS)]


def given_names(rng: np.random.Generator, gend: np.ndarray) -> np.ndarray:
    """One- or two-character given names; `gend` holds '1' male / '2' female."""
    n = len(gend)
    male = np.asarray(_MALE_CHARS, dtype=object)
    female = np.asarray(_FEMALE_CHARS, dtype=object)
    shared = np.asarray(_SHARED_CHARS, dtype=object)
    is_m = gend == "1"
    first = np.where(is_m, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)])
    second_pool = np.where(
        rng.random(n) < 0.3,
        shared[rng.integers(0, len(shared), n)],
        np.where(is_m, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]),
    )
    two = rng.random(n) < 0.75
    return np.where(two, first + second_pool, first)
