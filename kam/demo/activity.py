"""Demo activity on top of the demo customers: the current key-account list (an approved initial list),
tiers by A5.3, contact logs and visits over the last months (some cadences met, some breached), a visit
waiting for its record, upcoming visits, mid-year flags, and one sweep so the inbox has alerts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from kam.customers.models import Contact, Customer
from kam.engagement.models import ContactKind, ContactLog, Topic, Visit, VisitStatus
from kam.users.models import User

SUMMARIES = [
    ("needs", "客户计划明年改造两家门店客房，询问新款床组和衣柜的交期。"),
    ("product", "反馈上批餐椅表面耐磨良好，个别抽屉滑轨有异响。"),
    ("cooperation", "沟通月结账期与分批送货安排，客户希望提前一周确认排产。"),
    ("needs", "样板间套装需要增加浅色木纹选项。"),
    ("product", "会议桌走线槽使用方便，建议加装无线充电。"),
    ("cooperation", "确认年度框架协议续签时间，客户采购总监下月到厂参观。"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_default_timezone())


def load(rng: random.Random, counts: dict[str, int], today: dt.date | None = None) -> None:
    from kam.qualification import services as q
    from kam.qualification.criteria import split_tiers
    from kam.qualification.models import Candidate, Decision, Review, ReviewKind, Tier

    today = today or timezone.localdate()
    head = User.objects.get(username="head")
    mgmt = User.objects.get(username="mgmt")
    managers = {u.username: u for u in User.objects.filter(username__in=["am1", "am2", "am3", "am4"])}

    # 1. the current key-account list (going live): the six largest accounts of each manager, since 2025-01-01
    last_year = (Customer.objects.filter(orders__order_date__gte=today - dt.timedelta(days=365),
                                         account_manager__in=list(managers.values()))
                 .exclude(orders__status="cancelled").annotate(total=Sum("orders__amount")))
    per_manager: dict[int, list] = {}
    for c in last_year.order_by("-total"):
        bucket = per_manager.setdefault(c.account_manager_id, [])
        if len(bucket) < 6:
            bucket.append(c)
    chosen = [c for bucket in per_manager.values() for c in bucket]
    tiers = split_tiers({c.pk: c.total or Decimal("0") for c in chosen}, *_tier_settings())
    review = Review.objects.create(kind=ReviewKind.INITIAL, year=today.year, period_start=today, period_end=today,
                                   opened_by=head, policy_number=1)
    Candidate.objects.bulk_create([
        Candidate(review=review, customer=c, draft=Decision.INCLUDE, decision=Decision.INCLUDE,
                  reason="上线时的现有大客户名单", tier=tiers[c.pk] or Tier.ORDINARY, amount=c.total or 0,
                  facts={"designated_since": "2025-01-01"}, proposed_manager_id=c.account_manager_id)
        for c in chosen])
    q.review_submit(actor=head, review=review)
    q.review_approve(actor=mgmt, review=review)
    counts["key accounts"] = len(chosen)

    # 2. contacts and visits over the last 20 weeks; diligence differs by manager
    diligence = {"am1": 0.92, "am2": 0.7, "am3": 0.45, "am4": 0.8}
    dms = {}
    for contact in Contact.objects.filter(customer__in=chosen, is_decision_maker=True):
        dms.setdefault(contact.customer_id, contact)
    logs = []
    monday = today - dt.timedelta(days=today.weekday())
    for c in chosen:
        manager = next((m for m in managers.values() if m.pk == c.account_manager_id), None)
        if manager is None:
            continue
        p = diligence.get(manager.username, 0.7)
        for week in range(1, 21):
            start = monday - dt.timedelta(weeks=week)
            if rng.random() < p:
                day = start + dt.timedelta(days=rng.randint(0, 4))
                topic, text = rng.choice(SUMMARIES)
                logs.append(ContactLog(customer=c, at=_at(day, rng.randint(9, 17), rng.choice([0, 15, 30])),
                                       kind=rng.choice([ContactKind.PHONE, ContactKind.WECHAT]), author=manager,
                                       topic=topic, summary=text))
            if week % 4 == 0 and rng.random() < p:
                day = start + dt.timedelta(days=rng.randint(0, 4))
                ends = _at(day, 11, 30)
                visit = Visit.objects.create(
                    customer=c, owner=manager, starts_at=_at(day, 10), ends_at=ends, purpose="例行拜访",
                    materials=["catalogue"], booked_at=ends - dt.timedelta(days=5), status=VisitStatus.DONE,
                    confirmed_at=ends - dt.timedelta(days=2), recorded_at=ends + dt.timedelta(hours=rng.choice([3, 20, 30])),
                    purchase_plans="下季度预计补货客房家具约 200 套。", usage_problems="个别床头板有色差。",
                    suggestions="希望提供更多环保认证资料。")
                logs.append(ContactLog(customer=c, at=ends, kind=ContactKind.VISIT, author=manager,
                                       topic=Topic.NEEDS, summary="例行拜访：了解采购计划与使用反馈", visit=visit))
        # this week: diligent managers already called
        if rng.random() < p - 0.2:
            logs.append(ContactLog(customer=c, at=_at(monday, 10), kind=ContactKind.PHONE, author=manager,
                                   topic=Topic.NEEDS, summary="本周例行电话沟通。"))
        # the head of sales talks to decision makers of some core accounts (A8.1)
        if tiers.get(c.pk) == "core" and c.pk in dms and rng.random() < 0.6:
            day = today - dt.timedelta(days=rng.randint(10, 50))
            logs.append(ContactLog(customer=c, at=_at(day, 15), kind=ContactKind.MEETING, author=head,
                                   contact=dms[c.pk], with_decision_maker=True, topic=Topic.COOPERATION,
                                   summary="与客户董事长沟通年度合作与新品计划。"))
    ContactLog.objects.bulk_create(logs, batch_size=1000)
    counts["contact logs"] = len(logs)

    # 3. a visit that ended yesterday and still needs its record (A13.2); upcoming visits (A13.1)
    am1 = managers["am1"]
    own = [c for c in chosen if c.account_manager_id == am1.pk]
    if own:
        y = today - dt.timedelta(days=1)
        Visit.objects.create(customer=own[0], owner=am1, starts_at=_at(y, 14), ends_at=_at(y, 16),
                             purpose="新品样板间介绍", materials=["samples", "quotation"],
                             booked_at=_at(y - dt.timedelta(days=6), 10), confirmed_at=_at(y - dt.timedelta(days=2), 9),
                             status=VisitStatus.CONFIRMED)
        later = today + dt.timedelta(days=9)
        Visit.objects.create(customer=own[-1], owner=am1, starts_at=_at(later, 10), ends_at=_at(later, 11, 30),
                             purpose="年度合作回顾", materials=["quotation", "service_history"],
                             booked_at=timezone.now() - dt.timedelta(days=1))
    counts["visits"] = Visit.objects.count()

    # 4. after-sales tickets (A11) and customer requests (A15): some open, some late, some done
    service_demo(chosen, today)
    dossier_demo(chosen, today, rng)
    counts["gifts"] = care_demo(chosen, today)

    # 5. the monthly A5.2 check, and one sweep so alerts and the inbox show what is due and late
    q.flags_compute(month=today.replace(day=1))
    from kam.obligations.sweep import sweep

    counts["alerts"] = sweep(deliver=False)["alerts"]


def service_demo(chosen, today: dt.date) -> None:
    from kam.demands import services as ds
    from kam.service import services as ss

    svc = User.objects.get(username="svc")
    head = User.objects.get(username="head")
    mkt = User.objects.get(username="mkt")
    now = timezone.now()
    accounts = chosen[:8]
    if len(accounts) < 6:
        return
    # a ticket reported three hours ago, still unanswered (A11.1 breached)
    ss.ticket_open(actor=svc, customer=accounts[0], problem="客房床头板开裂两处，影响入住", reported_at=now - dt.timedelta(hours=3))
    # answered, on site needed in another city, technician scheduled (A11.2 running)
    t = ss.ticket_open(actor=svc, customer=accounts[1], problem="会议桌升降电机失灵", site_city="成都",
                       reported_at=now - dt.timedelta(hours=20))
    ss.ticket_respond(actor=svc, ticket=t, note="已电话确认故障，安排技术员", onsite_needed=True, technician=svc,
                      at=now - dt.timedelta(hours=19, minutes=30))
    ss.ticket_schedule(actor=svc, ticket=t, scheduled_for=now + dt.timedelta(hours=10), technician=svc)
    # the customer asked for a later date: the on-site clock is paused
    p = ss.ticket_open(actor=svc, customer=accounts[2], problem="衣柜门铰链松动", reported_at=now - dt.timedelta(hours=6))
    ss.ticket_respond(actor=svc, ticket=p, note="客户下周方便", onsite_needed=True, at=now - dt.timedelta(hours=5))
    ss.ticket_pause(actor=svc, ticket=p, reason="customer_later_date", later_date=today + dt.timedelta(days=5))
    # resolved remotely and closed
    r = ss.ticket_open(actor=svc, customer=accounts[3], problem="智能床头灯无法配对", reported_at=now - dt.timedelta(days=3))
    ss.ticket_respond(actor=svc, ticket=r, note="远程指导重置", onsite_needed=False, at=now - dt.timedelta(days=3))
    ss.ticket_resolve(actor=svc, ticket=r, resolution="远程重置后恢复")
    ss.ticket_close(actor=svc, ticket=r, confirmed_by="客房部经理", confirmed_via="phone")
    # a care session (A11.3) for two accounts this year
    for c in accounts[4:6]:
        ss.care_session_record(actor=svc, customer=c, kind="training", at=now - dt.timedelta(days=40),
                               notes="客房家具日常保养培训")
    # requests (A15): one just received, one escalated awaiting assignment, one with marketing, one closed
    manager = {c.pk: c.account_manager for c in accounts}
    ds.request_log(actor=manager[accounts[0].pk], customer=accounts[0], kind="delivery_change", channel="wechat",
                   summary="第二批客房家具改送南海新店", received_at=now - dt.timedelta(minutes=40))
    e = ds.request_log(actor=manager[accounts[1].pk], customer=accounts[1], kind="customisation", channel="phone",
                       summary="大堂接待台加长 60 厘米并改为浅色", received_at=now - dt.timedelta(hours=5))
    ds.request_respond(actor=manager[accounts[1].pk], request=e, response="已收到，需设计评估")
    ds.request_escalate(actor=manager[accounts[1].pk], request=e, note="需要市场部与工厂评估定制方案")
    m = ds.request_log(actor=manager[accounts[2].pk], customer=accounts[2], kind="customisation", channel="email",
                       summary="样板间套装增加浅橡木色", received_at=now - dt.timedelta(days=1))
    ds.request_respond(actor=manager[accounts[2].pk], request=m, response="已转设计")
    ds.request_escalate(actor=manager[accounts[2].pk], request=m, note="需要市场部出色板")
    ds.request_assign(actor=head, request=m, department="marketing", assignee=mkt)
    c4 = accounts[3]
    done = ds.request_log(actor=manager[c4.pk], customer=c4, kind="other", channel="phone", summary="索取环保检测报告",
                          received_at=now - dt.timedelta(days=4))
    ds.request_propose_solution(actor=manager[c4.pk], request=done, solution="本周寄送检测报告复印件")
    ds.request_record_outcome(actor=manager[c4.pk], request=done, outcome="已寄送")
    ds.request_feedback(actor=manager[c4.pk], request=done, to_person="采购经理", how="phone", at=timezone.now())
    ds.request_close(actor=manager[c4.pk], request=done)


def dossier_demo(chosen, today: dt.date, rng: random.Random) -> None:
    """Licences (one expiring soon, one expired) and A6.2 section updates/confirmations for most accounts."""
    from kam.dossier.models import License, SectionStamp

    now = timezone.now()
    licenses, stamps = [], []
    for i, c in enumerate(chosen):
        expiry = today + dt.timedelta(days=[400, 20, -10, 700][i % 4])
        licenses.append(License(customer=c, name="营业执照", number=c.credit_code, expires_on=expiry))
        if i % 3 == 0:
            licenses.append(License(customer=c, name="酒店特种行业许可证", number=f"TX-{c.pk:05d}",
                                    expires_on=today + dt.timedelta(days=365)))
        manager_id = c.account_manager_id
        for months_back in (1, 0):
            if months_back == 0 and i % 3 == 2:
                continue  # some managers have not confirmed this month yet
            day = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=12) if months_back else today.replace(day=2)
            for section in ("basic", "decision", "preferences"):
                at = dt.datetime(day.year, day.month, day.day, 10, tzinfo=timezone.get_default_timezone())
                stamps.append(SectionStamp(customer=c, section=section, at=min(at, now), by_id=manager_id,
                                           confirmed=True))
    License.objects.bulk_create(licenses)
    SectionStamp.objects.bulk_create(stamps)


def care_demo(chosen, today: dt.date) -> int:
    """The gift register (A14.2): gifts within the limits (one given), one waiting for the head of sales, one
    rejected, a recipient close to the yearly limit, and refused attempts (a 购物卡, a gift over the limit) for
    management to see (A3). Through the services, so the gates and approvals are the real ones."""
    from kam.care import services as cs
    from kam.core.errors import PolicyViolation

    head = User.objects.get(username="head")
    people: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(customer__in=chosen, anonymised_at__isnull=True).order_by(
            "-is_decision_maker", "id"):
        people.setdefault(contact.customer_id, []).append(contact)
    accounts = [c for c in chosen if len(people.get(c.pk, [])) >= 2 and c.account_manager_id]
    if len(accounts) < 3:
        return 0
    soon = today + dt.timedelta(days=12)

    def give(c, who, item, value, *, category="custom", quantity=1, occasion="客户答谢", day=soon):
        return cs.gift_register(actor=c.account_manager, customer=c, recipient=who, item=item, category=category,
                                quantity=quantity, unit_value=value, occasion=occasion,
                                supplier_ref=f"FP{today:%Y%m}{c.pk:04d}", planned_on=day)

    a, b, c3 = accounts[0], accounts[1], accounts[2]
    boss_a, buyer_a = people[a.pk][0], people[a.pk][1]
    plain = give(a, buyer_a, "地方特产礼盒（广式月饼）", "168.00", category="food")
    cs.gift_mark_given(actor=a.account_manager, gift=plain, given_on=today)
    cs.gift_photo_set(actor=a.account_manager, gift=plain, upload=_gift_photo())  # A14.2: the optional photo
    give(a, buyer_a, "定制台历（客户标志）", "200.00", category="custom")  # exactly at the threshold: no approval
    give(a, boss_a, "定制红木笔筒（刻客户标志）", "480.00", category="craft")  # waits for the head of sales
    rejected = give(b, people[b.pk][0], "高档茶叶礼盒", "260.00", category="tea", quantity=1)
    cs.gift_decide(actor=head, gift=rejected, approve=False, note="同一节日已登记过其他礼品，请二选一")
    near = people[c3.pk][0]  # a recipient close to the yearly limit: 1,850 of 2,000
    for i, (item, value) in enumerate([("定制瓷器套装", "450.00"), ("红木茶盘", "500.00"), ("定制茶具", "450.00"),
                                       ("书法作品（本地书法家）", "450.00")]):
        gift = give(c3, near, item, value, category="craft", occasion="公司周年庆" if i % 2 else "春节",
                    day=today + dt.timedelta(days=20 + i * 30))
        cs.gift_decide(actor=head, gift=gift, approve=True, note="同意")
    give(c3, people[c3.pk][1], "鲜花果篮", "150.00", category="flowers", occasion="生日")
    for item, value, category in (("超市购物卡", "500.00", "household"), ("定制红木茶台", "880.00", "craft")):
        try:  # refused and recorded (A14.2): what management sees on the refusals page
            give(b, people[b.pk][1], item, value, category=category)
        except PolicyViolation:
            pass
    try:
        give(c3, near, "茶叶礼盒", "300.00", category="tea")  # would cross the yearly limit
    except PolicyViolation:
        pass
    occasions_demo(chosen, today, people)
    commitments_demo(accounts, today)
    from kam.care.models import Gift

    return Gift.objects.count()


def _gift_photo():
    """A small generated picture of a gift box (no file shipped with the demo)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (250, 245, 235))
    draw = ImageDraw.Draw(img)
    draw.rectangle((90, 90, 230, 200), fill=(190, 30, 45))
    draw.rectangle((150, 90, 170, 200), fill=(240, 200, 80))
    draw.rectangle((90, 135, 230, 150), fill=(240, 200, 80))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return SimpleUploadedFile("gift.jpg", buf.getvalue(), content_type="image/jpeg")


def _birthday(contact_id: int, kind: str, month: int, day: int) -> None:
    """A person's birthday, stored encrypted (A14.1)."""
    contact = Contact.objects.get(pk=contact_id)
    contact.birthday_kind, contact.birthday_month, contact.birthday_day = kind, month, day
    contact.birthday_leap_month = False
    contact.save(update_fields=["birthday"])


def occasions_demo(chosen, today: dt.date, people: dict) -> None:
    """Occasions in the coming days for am1 (A14.1): a decision maker's lunar birthday in three days, another's
    solar birthday in six, a company anniversary in four, a hotel opening the manager added (greeted already);
    the sweep that follows lists them on "my day"."""
    from kam.calendar.lunar import solar_to_lunar
    from kam.care import services as cs

    own = [c for c in chosen if c.account_manager and c.account_manager.username == "am1" and people.get(c.pk)]
    if len(own) < 3:
        return
    first, second, third = own[0], own[1], own[2]
    soon = today + dt.timedelta(days=3)
    _year, month, day, leap = solar_to_lunar(soon)
    dm = people[first.pk][0]
    if leap:  # a leap month is celebrated in the regular month (kam.calendar.lunar): show a solar one instead
        _birthday(dm.pk, "solar", soon.month, soon.day)
    else:
        _birthday(dm.pk, "lunar", month, day)
    later = today + dt.timedelta(days=6)
    Contact.objects.filter(pk=people[second.pk][0].pk).update(is_decision_maker=True)
    _birthday(people[second.pk][0].pk, "solar", later.month, min(later.day, 28) if later.month == 2 else later.day)
    # a lunar birthday a few weeks ahead (another decision maker of the same account), and the customs (礼仪与忌讳)
    # the dossier knows of the account and its chairman, shown beside each occasion (A14.1)
    weeks = today + dt.timedelta(days=17)
    _y, w_month, w_day, w_leap = solar_to_lunar(weeks)
    if len(people[first.pk]) > 1 and not w_leap:
        Contact.objects.filter(pk=people[first.pk][1].pk).update(is_decision_maker=True)
        _birthday(people[first.pk][1].pk, "lunar", w_month, w_day)
    Customer.objects.filter(pk=first.pk).update(
        pref_customs="忌送钟表、伞、梨；宴请以粤菜为主，不喝白酒；节日问候宜在上午，称呼“X总”。")
    Contact.objects.filter(pk=dm.pk).update(customs_note="信佛，素食；喜欢茶叶和书法，不收贵重礼品。")
    anniversary = today + dt.timedelta(days=4)
    Customer.objects.filter(pk=third.pk).update(founded_on=anniversary.replace(
        year=anniversary.year - 12, day=min(anniversary.day, 28) if anniversary.month == 2 else anniversary.day))
    opening = cs.occasion_add(actor=first.account_manager, customer=first, title="南海新酒店开业",
                              on=today + dt.timedelta(days=2), contact=dm, note="客户新店开业，可送开业花篮")
    cs.care_action_record(actor=first.account_manager, customer=first, key=f"custom-{opening.pk}-{opening.on:%Y%m%d}",
                          kind="greeting", channel="wechat", text="祝贺新店开业，生意兴隆！")


def commitments_demo(accounts, today: dt.date) -> None:
    """Commitments (A18.1): one waiting for finance, one approved by after-sales, one kept, one refused."""
    from kam.care import services as cs

    svc, mkt = (User.objects.get(username=u) for u in ("svc", "mkt"))
    a, b, c = accounts[0], accounts[1], accounts[2]
    cs.commitment_register(actor=a.account_manager, customer=a, kind="payment_term", department="finance",
                           description="年度框架合同账期由 30 天延长到 60 天", value="850000.00")
    warranty = cs.commitment_register(actor=b.account_manager, customer=b, kind="warranty", department="after_sales",
                                      description="客房床组质保由 3 年延长到 5 年", due_on=today + dt.timedelta(days=30))
    cs.commitment_decide(actor=svc, commitment=warranty, approve=True, note="同意，纳入售后服务协议")
    install = cs.commitment_register(actor=c.account_manager, customer=c, kind="installation",
                                     department="after_sales", description="新店 120 间客房家具免费安装")
    cs.commitment_decide(actor=svc, commitment=install, approve=True)
    cs.commitment_done(actor=svc, commitment=install, note="已安排安装队完成")
    custom = cs.commitment_register(actor=a.account_manager, customer=a, kind="customisation",
                                    department="marketing", description="大堂接待台加长并改浅色，不加价")
    cs.commitment_decide(actor=mkt, commitment=custom, approve=False, note="定制须按标准加价，请重新报价")
    # A18.1 clocks: one waiting past the approval window (registered five days ago), one approved and missed
    now = timezone.now()
    cs.commitment_register(actor=b.account_manager, customer=b, kind="delivery", department="after_sales",
                           description="首批 60 套客房家具提前两周交货", now=now - dt.timedelta(days=5))
    missed = cs.commitment_register(actor=c.account_manager, customer=c, kind="discount", department="finance",
                                    description="年底前返还 1.5% 采购返点", value="36000.00",
                                    due_on=today - dt.timedelta(days=2), now=now - dt.timedelta(days=10))
    cs.commitment_decide(actor=User.objects.get(username="fin"), commitment=missed, approve=True, note="同意")
    contracts_demo(accounts, today)


def contracts_demo(accounts, today: dt.date) -> None:
    """Contracts (A18.2): the generated contracts get their type, ceiling and payment terms; one account's contract
    ends in 40 days (the reminder is due), another account has no contract in force (flagged on its page)."""
    from kam.care import contracts as cc
    from kam.customers.models import Contract, ContractKind, in_force_q

    head = User.objects.get(username="head")
    kinds = [ContractKind.FRAMEWORK, ContractKind.PURCHASE, ContractKind.SERVICE]
    for i, contract in enumerate(Contract.objects.filter(payment_terms="").order_by("id")):
        contract.kind = kinds[i % 3]
        contract.amount_ceiling = Decimal(500000 + (i % 7) * 250000)
        contract.payment_terms = f"货到验收后 {(30, 45, 60)[i % 3]} 天内付清，月结"
        contract.save(update_fields=["kind", "amount_ceiling", "payment_terms"])
    if len(accounts) < 5:
        return
    expiring, without = accounts[3], accounts[4]
    for account in (expiring, without):
        for contract in Contract.objects.filter(in_force_q(today), customer=account):
            cc.contract_end(actor=head, contract=contract, ended_on=today, reason="合同重新谈判，按新合同执行")
    cc.contract_save(actor=head, customer=expiring, number=f"HT{today.year}-R{expiring.pk:04d}",
                     kind=ContractKind.FRAMEWORK, start_on=today - dt.timedelta(days=320),
                     end_on=today + dt.timedelta(days=40), signed_on=today - dt.timedelta(days=330),
                     amount_ceiling="1200000.00", payment_terms="月结 60 天",
                     terms_summary="年度框架协议：客房家具统一采购价，质保 5 年。")


def _tier_settings() -> tuple[Decimal, int]:
    """A5.3 share and minimum from the policy in force (never constants)."""
    from kam.policy.selectors import policy_in_force

    policy = policy_in_force(at=timezone.now())
    return Decimal(str(policy["tiers.core_share"])), int(policy["tiers.min_core"])
