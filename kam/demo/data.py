"""The demo dataset (`kam demo`, `make demo`): a furniture maker's key accounts, as of 2026-11-26.

Deterministic (random.Random(2026)) and idempotent: when the demo user `head` exists nothing is
loaded again. Everything goes through the services (so every write has its audit event), in one
transaction, and one summary event `demo.loaded` records the counts.

Every company name is invented; e-mail addresses use the reserved example.com domain.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from django.db import transaction

from kam.audit.services import audit_log
from kam.core import context
from kam.customers.models import CustomerType, PriceSensitivity
from kam.customers.validators import CHARSET, make_credit_code
from kam.users.models import Role, User

DEMO_PASSWORD = "kam-demo-2026"
AS_OF = date(2026, 11, 26)  # "today" of the dataset: every date is on or before it
ORDERS_FROM = date(2023, 12, 1)
ORDERS_TO = date(2026, 11, 25)
TWO = Decimal("0.01")

# username, display name, role
USERS: list[tuple[str, str, str]] = [
    ("head", "王总", Role.HEAD_OF_SALES),
    ("mgmt", "陈董", Role.MANAGEMENT),
    ("am1", "李明", Role.ACCOUNT_MANAGER),
    ("am2", "张伟", Role.ACCOUNT_MANAGER),
    ("am3", "刘洋", Role.ACCOUNT_MANAGER),
    ("am4", "赵静", Role.ACCOUNT_MANAGER),
    ("mkt", "周琳", Role.MARKETING),
    ("svc", "吴强", Role.AFTER_SALES),
    ("fin", "郑芳", Role.FINANCE),
    ("admin", "系统管理员", Role.ADMINISTRATOR),
]
MANAGERS = ("am1", "am2", "am3", "am4")
MAX_PER_MANAGER = 15

CITIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    # city: (province, credit-code region, telephone area code, districts)
    "佛山": ("广东省", "440600", "0757", ("禅城区", "南海区", "顺德区", "三水区", "高明区")),
    "广州": ("广东省", "440100", "020", ("天河区", "越秀区", "番禺区", "海珠区", "南沙区")),
    "深圳": ("广东省", "440300", "0755", ("南山区", "福田区", "宝安区", "龙岗区")),
    "上海": ("上海市", "310000", "021", ("浦东新区", "静安区", "徐汇区", "闵行区")),
    "北京": ("北京市", "110000", "010", ("朝阳区", "海淀区", "东城区", "丰台区")),
    "成都": ("四川省", "510100", "028", ("锦江区", "武侯区", "高新区", "成华区")),
    "武汉": ("湖北省", "420100", "027", ("江汉区", "洪山区", "武昌区", "东湖高新区")),
    "杭州": ("浙江省", "330100", "0571", ("西湖区", "余杭区", "滨江区", "上城区")),
    "南京": ("江苏省", "320100", "025", ("鼓楼区", "建邺区", "秦淮区", "江宁区")),
    "长沙": ("湖南省", "430100", "0731", ("岳麓区", "开福区", "天心区", "雨花区")),
    "西安": ("陕西省", "610100", "029", ("雁塔区", "未央区", "高新区", "曲江新区")),
    "重庆": ("重庆市", "500000", "023", ("渝中区", "江北区", "渝北区", "南岸区")),
}
ROADS = ("人民路", "建设大道", "中山路", "科技路", "滨江路", "文华路", "创业路", "金融街", "湖景路", "朝阳路",
         "城南大道", "工业大道")

RE, HO, DE, IN, OT = (CustomerType.REAL_ESTATE, CustomerType.HOTEL, CustomerType.DEALER,
                      CustomerType.INSTITUTION, CustomerType.OTHER)

# name, type, city, mail slug, tier, group ("X0" = parent of group X, "X" = member).
# Tiers: A = ¥5–20 million a year, B = ¥1–3 million, C = below ¥1 million, N = new account (2025/2026).
CUSTOMERS: list[tuple[str, str, str, str, str, str]] = [
    ("恒誉置业集团有限公司", RE, "深圳", "hengyu-group", "A", "P0"),
    ("恒誉置业（佛山）有限公司", RE, "佛山", "hengyu-fs", "B", "P"),
    ("恒誉置业（广州）有限公司", RE, "广州", "hengyu-gz", "B", "P"),
    ("恒誉置业（长沙）有限公司", RE, "长沙", "hengyu-cs", "C", "P"),
    ("佛山市禅城区瑞丰房地产开发有限公司", RE, "佛山", "ruifeng-re", "B", ""),
    ("佛山市南海区金澜置业有限公司", RE, "佛山", "jinlan-zy", "C", ""),
    ("佛山市顺德区碧澄地产开发有限公司", RE, "佛山", "bicheng-dc", "C", ""),
    ("广州市越秀区华穗置地有限公司", RE, "广州", "huasui-zd", "C", ""),
    ("深圳市前湾城市更新投资有限公司", RE, "深圳", "qianwan-cg", "A", ""),
    ("上海浦江汇景房地产开发有限公司", RE, "上海", "pujiang-hj", "A", ""),
    ("北京京润嘉业置业有限公司", RE, "北京", "jingrun-jy", "B", ""),
    ("成都蜀锦城房地产开发有限公司", RE, "成都", "shujincheng", "C", ""),
    ("武汉江城远景置业有限公司", RE, "武汉", "jiangcheng-yj", "N", ""),
    ("杭州西溪云庭房地产有限公司", RE, "杭州", "xixi-yunting", "C", ""),
    ("南京金陵华府置业有限公司", RE, "南京", "jinling-hf", "B", ""),
    ("重庆山城悦府地产开发有限公司", RE, "重庆", "shancheng-yf", "C", ""),
    ("锦华酒店管理集团有限公司", HO, "上海", "jinhua-hotels", "A", "H0"),
    ("锦华酒店管理（杭州）有限公司", HO, "杭州", "jinhua-hz", "B", "H"),
    ("锦华酒店管理（南京）有限公司", HO, "南京", "jinhua-nj", "B", "H"),
    ("锦华酒店管理（成都）有限公司", HO, "成都", "jinhua-cd", "C", "H"),
    ("锦华酒店管理（西安）有限公司", HO, "西安", "jinhua-xa", "N", "H"),
    ("佛山市千灯湖畔酒店有限公司", HO, "佛山", "qiandenghu-hotel", "B", ""),
    ("佛山市顺德区凤城迎宾馆有限公司", HO, "佛山", "fengcheng-ybg", "C", ""),
    ("佛山市南海区西樵山庄度假酒店有限公司", HO, "佛山", "xiqiao-resort", "C", ""),
    ("广州珠江悦庭酒店管理有限公司", HO, "广州", "zhujiang-yueting", "B", ""),
    ("深圳市湾景国际酒店有限公司", HO, "深圳", "wanjing-hotel", "C", ""),
    ("北京燕园商旅酒店管理有限公司", HO, "北京", "yanyuan-hotels", "B", ""),
    ("长沙湘江云栖酒店有限公司", HO, "长沙", "xiangjiang-yunqi", "C", ""),
    ("西安曲江雁塔酒店管理有限公司", HO, "西安", "qujiang-yanta", "C", ""),
    ("重庆渝州逸居酒店管理有限公司", HO, "重庆", "yuzhou-yiju", "N", ""),
    ("武汉东湖栖澜酒店有限公司", HO, "武汉", "donghu-qilan", "C", ""),
    ("上海静安臻选公寓酒店管理有限公司", HO, "上海", "jingan-zhenxuan", "C", ""),
    ("美居家具连锁集团有限公司", DE, "佛山", "meiju-group", "A", "D0"),
    ("美居家具（武汉）商贸有限公司", DE, "武汉", "meiju-wh", "B", "D"),
    ("美居家具（重庆）商贸有限公司", DE, "重庆", "meiju-cq", "C", "D"),
    ("佛山市顺德区乐从华韵家具贸易有限公司", DE, "佛山", "huayun-lecong", "B", ""),
    ("佛山市禅城区雅筑家居有限公司", DE, "佛山", "yazhu-home", "C", ""),
    ("广州市番禺区御品家具城有限公司", DE, "广州", "yupin-furniture", "C", ""),
    ("深圳市宝安区木语家居有限公司", DE, "深圳", "muyu-home", "C", ""),
    ("成都市锦江区蓉居家具贸易有限公司", DE, "成都", "rongju-trade", "C", ""),
    ("杭州余杭尚品家居有限公司", DE, "杭州", "shangpin-home", "N", ""),
    ("南京秦淮鼎盛家具有限公司", DE, "南京", "dingsheng-nj", "C", ""),
    ("长沙市岳麓区湘居家具商贸有限公司", DE, "长沙", "xiangju-trade", "C", ""),
    ("西安长安博雅家具有限公司", DE, "西安", "boya-furniture", "C", ""),
    ("北京京城华美家具销售有限公司", DE, "北京", "huamei-bj", "B", ""),
    ("上海虹桥美庭家居用品有限公司", DE, "上海", "meiting-home", "C", ""),
    ("佛山智造科技园运营管理有限公司", IN, "佛山", "zhizao-park", "C", ""),
    ("佛山市顺德区华翔电器股份有限公司", IN, "佛山", "huaxiang-elec", "B", ""),
    ("佛山市南海区明德教育投资有限公司", IN, "佛山", "mingde-edu", "C", ""),
    ("广州南沙港航物流集团有限公司", IN, "广州", "nansha-logistics", "C", ""),
    ("深圳市鹏程云计算科技有限公司", IN, "深圳", "pengcheng-cloud", "B", ""),
    ("上海浦东新航医疗投资有限公司", IN, "上海", "xinhang-med", "C", ""),
    ("北京中关村启智教育科技有限公司", IN, "北京", "qizhi-edu", "C", ""),
    ("武汉光谷星辰生物科技有限公司", IN, "武汉", "xingchen-bio", "N", ""),
    ("成都天府云谷产业园管理有限公司", IN, "成都", "tianfu-yungu", "C", ""),
    ("西安高新博远软件股份有限公司", IN, "西安", "boyuan-soft", "C", ""),
    ("佛山市禅城区匠心装饰工程有限公司", OT, "佛山", "jiangxin-deco", "C", ""),
    ("佛山市顺德区巧筑室内设计有限公司", OT, "佛山", "qiaozhu-design", "N", ""),
    ("深圳市空间美学展览服务有限公司", OT, "深圳", "kongjian-expo", "C", ""),
    ("杭州云上共享办公管理有限公司", OT, "杭州", "yunshang-space", "C", ""),
]

# product series → (model, list price in yuan)
CATALOG: dict[str, tuple[str, int]] = {
    "酒店床组": ("HB-1800", 4800),
    "酒店衣柜": ("HW-1200", 3600),
    "酒店书桌": ("HD-1400", 2200),
    "床头柜": ("NS-500", 980),
    "办公桌": ("OD-1600", 2800),
    "会议桌": ("MT-3600", 12800),
    "办公椅": ("OC-66", 1280),
    "文件柜": ("FC-900", 1650),
    "沙发": ("SF-320", 8600),
    "茶几": ("CT-1200", 2400),
    "餐桌": ("DT-1800", 4200),
    "餐椅": ("DC-45", 680),
    "样板间套装": ("SR-90", 68000),
    "床垫": ("MT-1800", 2600),
    "电视柜": ("TV-2000", 3200),
}
SERIES_BY_TYPE: dict[str, tuple[str, ...]] = {
    RE: ("样板间套装", "沙发", "茶几", "餐桌", "餐椅", "床垫", "电视柜"),
    HO: ("酒店床组", "酒店衣柜", "酒店书桌", "床头柜", "床垫", "沙发", "餐椅", "茶几"),
    DE: ("沙发", "茶几", "餐桌", "餐椅", "床垫", "电视柜", "办公椅"),
    IN: ("办公桌", "会议桌", "办公椅", "文件柜", "沙发", "茶几"),
    OT: ("样板间套装", "沙发", "办公桌", "会议桌", "餐椅", "茶几"),
}
PAYMENT_TERMS = {RE: (90, 60), HO: (60, 60, 30), DE: (30, 30, 60), IN: (60, 30), OT: (30, 60)}

DECISION_PROCESS = {
    RE: ("项目部提出需求 → 集团采购中心招标（三家比价）→ 设计院确认样板 → 采购总监审批 → 总经理签批；"
         "年度战略集采每年 3 月启动。",
         "区域公司报计划 → 集团成本中心定标 → 采购总监与总经理联签；精装项目需设计总监确认样板间。"),
    HO: ("筹建部/工程部提出清单 → 集团设计中心确认品牌标准 → 采购部比价 → 总经理审批；开业前 90 天锁定供应商。",
         "门店工程部报需求 → 集团采购委员会季度评审 → 董事长签批年度框架，门店按框架下单。"),
    DE: ("老板直接决策，看样订货；每年 3 月（广州家具展）和 8 月（佛山家具展）集中下单，平时按库存补货。",
         "总经理与采购经理共同选款，小批量试销后追加；账期和返利由总经理拍板。"),
    IN: ("行政部提出需求 → 公开招标或入围框架协议 → 分管副总审批 → 财务按合同付款；预算按年度下达。",
         "后勤/行政部比选三家 → 党委会或总经理办公会审议 → 签订采购合同；需提供质检报告和环保证书。"),
    OT: ("项目经理选型 → 业主确认效果 → 老板签字；常随装修项目打包采购。",
         "设计师推荐 → 业主确认 → 总经理审批；对交期要求严格。"),
}
STYLES = ("新中式", "现代简约", "轻奢", "北欧", "意式极简", "美式", "新中式、轻奢", "现代简约、原木")
CUSTOMISATION = {
    RE: ("样板间整体软装定制，需提供 3D 效果图和材料小样", "精装交楼批量定制，尺寸按户型图", "标准品为主，少量改色"),
    HO: ("客房家具按品牌标准定制尺寸，阻燃等级 B1", "公区家具定制，需配合酒店 VI 色系", "标准客房套装，可改面料"),
    DE: ("以标准品为主，需提供展厅陈列方案", "部分款式需贴牌（OEM）", "标准品，偶尔改色改尺寸"),
    IN: ("办公桌加装线槽和升降功能", "会议室整体定制，需配合声学装修", "标准品，要求环保 E0 级"),
    OT: ("跟随装修项目小批量定制", "展台及样板空间定制", "标准品为主"),
}
PRICE_SENSITIVITY = {RE: "medium", HO: "medium", DE: "high", IN: "high", OT: "medium"}

SURNAMES = (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"),
            ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("邓", "deng"), ("冯", "feng"),
            ("曾", "zeng"), ("彭", "peng"), ("潘", "pan"), ("叶", "ye"), ("钟", "zhong"))
GIVEN = (("建国", "jianguo"), ("海涛", "haitao"), ("丽华", "lihua"), ("志强", "zhiqiang"), ("晓燕", "xiaoyan"),
         ("国平", "guoping"), ("文静", "wenjing"), ("振华", "zhenhua"), ("秀英", "xiuying"), ("俊杰", "junjie"),
         ("雪梅", "xuemei"), ("永强", "yongqiang"), ("美玲", "meiling"), ("德明", "deming"), ("婷婷", "tingting"),
         ("子轩", "zixuan"), ("嘉欣", "jiaxin"), ("伟", "wei"), ("敏", "min"), ("磊", "lei"), ("静", "jing"),
         ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"), ("斌", "bin"), ("超", "chao"), ("慧", "hui"),
         ("家豪", "jiahao"), ("凯文", "kaiwen"))
DECISION_TITLES = {RE: ("采购总监", "总经理", "董事长"), HO: ("总经理", "采购总监", "董事长"),
                   DE: ("董事长", "总经理"), IN: ("总经理", "采购总监"), OT: ("总经理", "董事长")}
OTHER_TITLES = {RE: ("采购经理", "项目经理", "设计总监", "成本经理", "财务经理"),
                HO: ("工程部经理", "采购经理", "筹建经理", "行政主管", "财务经理"),
                DE: ("采购经理", "店长", "财务经理", "仓储主管"),
                IN: ("行政主管", "后勤经理", "采购专员", "财务经理"),
                OT: ("项目经理", "设计师", "采购专员")}
MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "186", "188", "159", "158", "133", "153", "189", "199")

CONTRACT_TERMS = ("年采购额达 500 万元返利 2%", "含送货安装及旧家具清运", "逾期交付按日 0.05% 计违约金",
                  "价格有效期 12 个月，原材料涨幅超 8% 可议价", "质保期内 48 小时上门维修")
ORDER_NOTES = ("", "", "", "", "样板间加急", "分批交付", "含安装", "开业项目，交期不可延误", "补货")
RETURN_REASONS = ("运输磕碰，床头板划伤", "面料色差与样板不符", "尺寸与图纸不符，退回重做", "五金件松动，整批退换",
                  "项目变更，部分退货")
DISPUTE_SUMMARIES = ("衣柜门板变形，客户要求整批更换", "沙发面料起球，投诉质量问题", "床垫异味，酒店客诉",
                     "会议桌漆面开裂", "餐椅焊点断裂，存在安全隐患", "板材甲醛检测结果存疑，要求第三方复检",
                     "抽屉滑轨异响", "电视柜色差明显")
MONTH_WEIGHT = (0.8, 0.4, 1.3, 1.1, 1.0, 1.0, 0.9, 1.1, 1.2, 1.0, 1.1, 1.3)


@dataclass
class _Plan:
    """What the generator decided for one customer (orders are drawn later)."""

    customer: object
    ctype: str
    city: str
    slug: str
    tier: str
    since: date
    terms: int
    payer: str  # prompt | late | bad
    invoices: list = field(default_factory=list)


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _order_date(rng: random.Random, start: date, end: date) -> date:
    """A date in [start, end], weighted by the trade's seasons (slow around Spring Festival)."""
    for _ in range(20):
        d = _rand_date(rng, start, end)
        if rng.random() * 1.3 <= MONTH_WEIGHT[d.month - 1]:
            return d
    return d


def _credit_code(rng: random.Random, region: str, founded: date, used: set[str]) -> str:
    for _ in range(100):
        if founded.year >= 2015:  # codes issued since 2015 carry the MA series
            tail = "MA" + "".join(rng.choice(CHARSET) for _ in range(7))
        else:
            tail = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(CHARSET)
        code = make_credit_code("91" + region + tail)
        if code not in used:
            used.add(code)
            return code
    raise RuntimeError("could not draw a unique credit code")


def _person(rng: random.Random, used: set[str]) -> tuple[str, str]:
    for _ in range(50):
        (s, sp), (g, gp) = rng.choice(SURNAMES), rng.choice(GIVEN)
        if s + g not in used:
            break
    used.add(s + g)
    return s + g, sp + gp


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(TWO)


def load_demo(*, stdout: TextIO | None = None) -> bool:
    """Load the demo dataset once. False (and nothing written) when the demo user `head` exists."""
    out = stdout if stdout is not None else sys.stdout
    if User.objects.filter(username="head").exists():
        out.write("demo data already loaded\n")
        return False
    started = time.monotonic()
    token = context.set_current(context.RequestContext(channel="cli"))
    try:
        with transaction.atomic():
            rng = random.Random(2026)
            counts = _load(rng)
            from kam.demo import activity

            activity.load(rng, counts)
            audit_log(actor=None, action="demo.loaded", changes=counts)
    finally:
        context.reset(token)
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    out.write(f"demo data loaded in {time.monotonic() - started:.1f} s: {summary}\n")
    out.write(f"log in as head, mgmt, am1–am4, mkt, svc, fin or admin with password {DEMO_PASSWORD}\n")
    return True


def _load(rng: random.Random) -> dict[str, int]:
    from kam.customers.services import (
        contact_create,
        contract_create,
        customer_assign_manager,
        customer_create,
        floor_price_set,
    )
    from kam.users.services import user_create

    counts: dict[str, int] = dict.fromkeys(
        ("users", "customers", "assignments", "contacts", "floor_prices", "contracts", "orders", "order_lines",
         "cancelled_orders", "returns", "quality_disputes", "invoices", "payments", "allocations"), 0)

    # --- users
    users: dict[str, User] = {}
    for username, name, role in USERS:
        user = user_create(actor=None, username=username, password=DEMO_PASSWORD, roles=[role],
                           display_name=name, email=f"{username}@kam.example.com")
        if role == Role.ADMINISTRATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        users[username] = user
    counts["users"] = len(users)

    # --- customers
    used_codes: set[str] = set()
    parents: dict[str, object] = {}
    plans: list[_Plan] = []
    for idx, (name, ctype, city, slug, tier, group) in enumerate(CUSTOMERS):
        province, region, _area, districts = CITIES[city]
        district = next((d for d in districts if d in name), rng.choice(districts))
        founded = _rand_date(rng, date(1996, 1, 1), date(2019, 12, 31))
        if tier == "N":
            since = _rand_date(rng, date(2025, 1, 1), date(2026, 6, 30))
        else:
            since = _rand_date(rng, max(founded + timedelta(days=365), date(2016, 1, 1)), date(2023, 6, 30))
        values: dict = {
            "province": province, "city": city,
            "address": f"{province if province != city + '市' else ''}{city}市{district}{rng.choice(ROADS)}"
                       f"{rng.randint(1, 399)}号",
            "founded_on": founded,
            "decision_process": rng.choice(DECISION_PROCESS[ctype]),
            "pref_style": rng.choice(STYLES),
            "pref_customisation": rng.choice(CUSTOMISATION[ctype]),
            "pref_price_sensitivity": (PRICE_SENSITIVITY[ctype] if rng.random() < 0.6
                                       else rng.choice(PriceSensitivity.values)),
        }
        if group and not group.endswith("0"):
            values["parent"] = parents[group]
        if tier in ("A", "B") or rng.random() < 0.15:
            values["purchase_potential"] = True
            values["purchase_potential_note"] = rng.choice((
                "在建项目 3 个，预计 2027 年精装交付约 2,400 套",
                "计划 2027 年新开 8 家门店，客房家具需整体采购",
                "年度框架协议续签意向明确，采购额逐年增长",
                "新园区二期 2027 年交付，办公家具约 1,500 工位",
                "经销网络向华中扩张，年订货量预计增长 30%"))
        if tier == "A" or idx in (24, 35, 50):
            values["industry_influence"] = True
            values["industry_influence_note"] = rng.choice((
                "行业协会副会长单位，标杆项目带动同行采购",
                "区域头部品牌，样板项目常被同行参观",
                "在本地经销商圈中话语权大，带动其他经销商选款"))
        if tier != "N" and idx % 17 == 3:
            values["cooperation_start_override"] = since - timedelta(days=rng.randint(400, 1500))
            values["cooperation_start_reason"] = "早年经区域代理商合作，2019 年前的单据未入系统"
        customer = customer_create(actor=None, name=name, credit_code=_credit_code(rng, region, founded, used_codes),
                                   customer_type=ctype, **values)
        if group.endswith("0"):
            parents[group[0]] = customer
        terms = rng.choice(PAYMENT_TERMS[ctype])
        payer = rng.choices(("prompt", "late", "bad"), weights=(6, 3, 1))[0]
        plans.append(_Plan(customer, ctype, city, slug, tier, since, terms, payer))
    counts["customers"] = len(plans)
    # make sure the receivables story has a few poor payers
    for plan in plans[5::13]:
        plan.payer = "bad"

    # --- assignments: groups stay together, blocks are shuffled, 15 accounts per manager
    blocks: dict[str, list[_Plan]] = {}
    for plan, row in zip(plans, CUSTOMERS, strict=True):
        key = row[5][:1] or f"single-{plan.slug}"
        blocks.setdefault(key, []).append(plan)
    order = list(blocks.values())
    rng.shuffle(order)
    flat = [p for block in order for p in block]
    managers = [users[m] for m in MANAGERS]
    for i, plan in enumerate(flat):
        final = managers[i // MAX_PER_MANAGER]
        start = plan.since
        if i % 9 == 4:  # a handover: another manager first, then the current one
            first = managers[(i // MAX_PER_MANAGER + 1) % len(managers)]
            customer_assign_manager(actor=None, customer=plan.customer, manager=first, on=start, reason="首次分配")
            handover = _rand_date(rng, max(start + timedelta(days=90), date(2024, 1, 1)), date(2025, 12, 31))
            customer_assign_manager(actor=None, customer=plan.customer, manager=final, on=handover,
                                    reason="岗位调整交接")
            counts["assignments"] += 2
        else:
            customer_assign_manager(actor=None, customer=plan.customer, manager=final, on=start,
                                    reason="首次分配")
            counts["assignments"] += 1

    # --- contacts
    lunar_specials = [(4, 12, True), (12, 30, False)]  # a leap-month and a day-30 lunar birthday
    for plan in plans:
        _province, _region, area, _districts = CITIES[plan.city]
        used_names: set[str] = set()
        n = rng.randint(2, 4)
        n_decision = 2 if rng.random() < 0.35 else 1
        titles = list(DECISION_TITLES[plan.ctype])
        rng.shuffle(titles)
        for k in range(n):
            name, pinyin = _person(rng, used_names)
            decision = k < n_decision
            title = titles[k % len(titles)] if decision else rng.choice(OTHER_TITLES[plan.ctype])
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if not decision and rng.random() < 0.2:
                phone = f"{area}-{rng.randint(2, 8)}{rng.randrange(10**7):07d}"
            wechat = f"{pinyin}{rng.randint(1, 99)}" if rng.random() < 0.75 else ""
            email = f"{pinyin}@{plan.slug}.example.com" if rng.random() < 0.7 else ""
            bday: dict = {}
            if lunar_specials and decision and k == 0 and plan.tier in ("A", "B"):
                month, day, leap = lunar_specials.pop(0)
                bday = {"birthday_kind": "lunar", "birthday_month": month, "birthday_day": day,
                        "birthday_leap_month": leap}
            elif rng.random() < 0.5:
                if rng.random() < 0.35:
                    bday = {"birthday_kind": "lunar", "birthday_month": rng.randint(1, 12),
                            "birthday_day": rng.randint(1, 30)}
                else:
                    month = rng.randint(1, 12)
                    last = 29 if month == 2 else (30 if month in (4, 6, 9, 11) else 31)
                    bday = {"birthday_kind": "solar", "birthday_month": month, "birthday_day": rng.randint(1, last)}
            contact_create(actor=None, customer=plan.customer, name=name, title=title, phone=phone, wechat=wechat,
                           email=email, is_decision_maker=decision, **bday)
            counts["contacts"] += 1

    # --- floor prices for about half of the accounts
    for plan in rng.sample(plans, 30):
        for series in rng.sample(SERIES_BY_TYPE[plan.ctype], rng.randint(2, 3)):
            list_price = CATALOG[series][1]
            floor_price_set(actor=None, customer=plan.customer, product_series=series,
                            price=Decimal(round(list_price * rng.uniform(0.72, 0.88) / 10) * 10))
            counts["floor_prices"] += 1

    # --- contracts
    seq = 0
    for plan in plans:
        start = max(plan.since, _rand_date(rng, date(2022, 1, 1), date(2023, 6, 30)))
        for _k in range(rng.randint(1, 2)):
            if start > date(2026, 11, 1):
                break
            years = rng.choice((1, 2, 2, 3))
            end = date(start.year + years, start.month, min(start.day, 28)) - timedelta(days=1)
            seq += 1
            extra = "；".join(rng.sample(CONTRACT_TERMS, 2))
            contract_create(actor=None, customer=plan.customer, number=f"HT{start.year}-{seq:04d}", start_on=start,
                            signed_on=start - timedelta(days=rng.randint(3, 30)), end_on=end,
                            terms_summary=f"年度采购框架协议：账期 {plan.terms} 天，质保 {rng.choice((3, 5))} 年；{extra}。")
            counts["contracts"] += 1
            start = end + timedelta(days=1)

    _orders_and_receivables(rng, plans, counts)
    return counts


def _orders_and_receivables(rng: random.Random, plans: list[_Plan], counts: dict[str, int]) -> None:
    from kam.orders.models import OrderStatus, QualityDispute
    from kam.orders.services import LineIn, order_create, order_return_record, quality_dispute_open
    from kam.receivables.services import invoice_create, payment_record

    tiers = {"A": ((5e6, 20e6), (3e5, 1.2e6)), "B": ((1e6, 3e6), (8e4, 3e5)), "C": ((1.5e5, 1e6), (3e4, 1.5e5)),
             "N": ((2e5, 1.5e6), (3e4, 2e5))}
    delivered = []
    order_seq = 0
    for plan in plans:
        (lo, hi), (olo, ohi) = tiers[plan.tier]
        annual = rng.uniform(lo, hi)
        first = max(ORDERS_FROM, plan.since)
        years = max(0.1, (ORDERS_TO - first).days / 365)
        avg_order = rng.uniform(olo, ohi)
        n_orders = max(1, round(annual * years / avg_order))
        dates = sorted(_order_date(rng, first, ORDERS_TO) for _ in range(n_orders))
        for order_date in dates:
            target = avg_order * rng.uniform(0.4, 1.6)
            series_pool = SERIES_BY_TYPE[plan.ctype]
            n_lines = rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 3, 2, 1))[0]
            chosen = rng.sample(series_pool, min(n_lines, len(series_pool)))
            weights = [rng.uniform(0.5, 1.5) for _ in chosen]
            lines = []
            for series, w in zip(chosen, weights, strict=True):
                model, list_price = CATALOG[series]
                unit = Decimal(round(list_price * rng.uniform(0.9, 1.12) / 10) * 10)
                qty = max(1, round(target * w / sum(weights) / float(unit)))
                lines.append(LineIn(series, model, Decimal(qty), unit))
            promised_days = rng.choice((35, 40, 45, 50, 60))
            promised = order_date + timedelta(days=promised_days)
            if rng.random() < 0.15:  # late against the promised date
                actual = promised + timedelta(days=rng.randint(2, 20))
            else:
                actual = order_date + timedelta(days=rng.randint(20, promised_days))
            status = OrderStatus.DELIVERED
            if order_date < AS_OF - timedelta(days=45) and rng.random() < 0.03:
                status, actual = OrderStatus.CANCELLED, None
            elif actual >= AS_OF:
                status, actual = OrderStatus.OPEN, None
            order_seq += 1
            note = "客户项目暂停，订单取消" if status == OrderStatus.CANCELLED else rng.choice(ORDER_NOTES)
            order = order_create(actor=None, customer=plan.customer, number=f"SO{order_date:%Y%m%d}-{order_seq:04d}",
                                 order_date=order_date, lines=lines, status=status,
                                 promised_delivery_date=promised, actual_delivery_date=actual, note=note)
            counts["orders"] += 1
            counts["order_lines"] += len(lines)
            counts["cancelled_orders"] += status == OrderStatus.CANCELLED
            if status == OrderStatus.DELIVERED:
                delivered.append((plan, order))

    # returns and quality disputes on a few delivered orders
    returned: dict[int, Decimal] = {}
    for _plan, order in rng.sample(delivered, 8):
        on = min(AS_OF, order.actual_delivery_date + timedelta(days=rng.randint(7, 40)))
        amount = _money(float(order.amount) * rng.uniform(0.03, 0.15))
        order_return_record(actor=None, order=order, returned_on=on, amount=amount,
                            reason=rng.choice(RETURN_REASONS))
        returned[order.pk] = amount
        counts["returns"] += 1
    for _plan, order in rng.sample(delivered, 12):
        opened = min(AS_OF, order.actual_delivery_date + timedelta(days=rng.randint(3, 45)))
        dispute = quality_dispute_open(actor=None, order=order, opened_on=opened,
                                       summary=rng.choice(DISPUTE_SUMMARIES))
        counts["quality_disputes"] += 1
        if (AS_OF - opened).days > 60 and rng.random() < 0.75:
            closed = min(AS_OF, opened + timedelta(days=rng.randint(7, 50)))
            # there is no "close" service yet; the summary event records the demo load
            QualityDispute.objects.filter(pk=dispute.pk).update(closed_on=closed)

    # invoices for delivered orders, and the payments against them
    invoice_seq = payment_seq = 0
    for plan, order in delivered:
        issue = order.actual_delivery_date + timedelta(days=rng.randint(0, 7))
        if issue > AS_OF:
            continue
        invoice_seq += 1
        amount = order.amount - returned.get(order.pk, Decimal("0"))
        invoice = invoice_create(actor=None, customer=plan.customer, number=f"{issue:%y}44{invoice_seq:016d}",
                                 issue_date=issue, due_date=issue + timedelta(days=plan.terms), amount=amount,
                                 order=order)
        counts["invoices"] += 1
        due = invoice.due_date
        roll = rng.random()
        if plan.payer == "prompt":
            paid_on = due - timedelta(days=rng.randint(0, 15)) if roll < 0.93 else due + timedelta(
                days=rng.randint(3, 30))
        elif plan.payer == "late":
            paid_on = due - timedelta(days=rng.randint(0, 10)) if roll < 0.5 else due + timedelta(
                days=rng.randint(5, 75))
        elif roll < 0.4:
            paid_on = due - timedelta(days=rng.randint(0, 5))
        elif roll < 0.75 or issue < date(2026, 3, 1):
            paid_on = due + timedelta(days=rng.randint(20, 120))
        else:
            paid_on = None  # not paid (yet): collections are chasing it
        if paid_on is None:
            continue
        paid_on = max(paid_on, issue)
        parts = [(paid_on, amount)]
        if rng.random() < 0.1:  # paid in two instalments
            first_part = (amount * Decimal("0.6")).quantize(TWO)
            parts = [(paid_on, first_part), (paid_on + timedelta(days=rng.randint(15, 45)), amount - first_part)]
        for on, part in parts:
            if on > AS_OF:
                break
            payment_seq += 1
            payment_record(actor=None, customer=plan.customer, reference=f"SK{on:%Y%m%d}-{payment_seq:05d}",
                           paid_on=on, amount=part, allocations=[(invoice, part)])
            counts["payments"] += 1
            counts["allocations"] += 1
