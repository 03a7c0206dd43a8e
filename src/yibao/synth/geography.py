"""Where the synthetic city lies: its districts and one distant city.

长沙市 is the home pooling region; every person is enrolled in one of its
districts. 海口市 is far enough (about 1.5 h by air, a day by rail) that one
credential used in both within a few hours is impossible travel, and close to
real life: Changsha retirees winter there (候鸟老人) and get care locally.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL_DISTRICTS", "AWAY_CITY", "AWAY_DISTRICTS", "HOME_CITY", "HOME_DISTRICTS", "District"]


@dataclass(frozen=True, slots=True)
class District:
    """One 6-digit division (医保区划) with its weight in the population."""

    admdvs: str
    name: str
    city: str
    weight: float
    streets: tuple[str, ...]


HOME_CITY = "长沙市"
AWAY_CITY = "海口市"

HOME_DISTRICTS: tuple[District, ...] = (
    District("430102", "芙蓉区", HOME_CITY, 0.13, ("五一大道", "八一路", "韶山北路", "车站北路", "人民东路")),
    District("430103", "天心区", HOME_CITY, 0.14, ("书院路", "劳动西路", "芙蓉南路", "南湖路", "新开铺路")),
    District("430104", "岳麓区", HOME_CITY, 0.17, ("麓山南路", "枫林二路", "桐梓坡路", "岳麓大道", "金星中路")),
    District("430105", "开福区", HOME_CITY, 0.14, ("湘江中路", "芙蓉中路", "三一大道", "福城路", "北辰路")),
    District("430111", "雨花区", HOME_CITY, 0.18, ("万家丽路", "劳动东路", "香樟路", "韶山中路", "洞井路")),
    District("430112", "望城区", HOME_CITY, 0.11, ("雷锋大道", "郭亮路", "金星北路", "旺旺路", "月亮岛路")),
    District("430121", "长沙县", HOME_CITY, 0.13, ("星沙大道", "开元路", "板仓路", "凉塘路", "东六路")),
)

AWAY_DISTRICTS: tuple[District, ...] = (
    District("460105", "秀英区", AWAY_CITY, 0.5, ("长滨路", "滨海大道", "海秀西路")),
    District("460106", "龙华区", AWAY_CITY, 0.5, ("国贸大道", "金贸西路", "滨海大道")),
)

ALL_DISTRICTS: tuple[District, ...] = HOME_DISTRICTS + AWAY_DISTRICTS
