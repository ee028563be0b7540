# ruff: noqa: E501  (bilingual content: a zh-hans/en pair of sentences reads best on one line)
"""Generate the trainees' templates (templates.yaml lists them): a campaign plan, a tracking plan,
a post-mortem and an OKR sheet, each as an XLSX in zh-hans and en.

Fixed content and fixed file dates, so the bytes are reproducible: ``python build.py`` rewrites
the shipped files and a test checks that it reproduces them. Each workbook opens with a "how to
use" sheet, then one sheet per part of the lesson that teaches it; every table has a header row,
one worked example row from a fictional company (小鹿商城, Fawn Mall), drop-down lists where a
column takes fixed values, and formulas where a figure follows from others. A trainer hands the
file out as it is: the example row shows the level of detail expected, and is overwritten.

Pure text and formulas (no macros), cells written by us only: nothing a trainee's spreadsheet
runs except the formulas shown here.
"""

import io
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

LANGUAGES = ("zh-hans", "en")
FIXED_TIME = datetime(2026, 1, 1)  # written into every file, so a rebuild gives the same bytes
HEADER_FILL = PatternFill("solid", start_color="FFDCE8F5")
EXAMPLE_FONT = Font(italic=True, color="FF5A5A5A")
FORM_ROWS = 40  # rows below the example that drop-down lists cover


def _t(pair, language):
    return pair[LANGUAGES.index(language)] if isinstance(pair, tuple) else pair


class Sheet:
    """A worksheet built in one language: a title, notes, a table (headers + example rows)."""

    def __init__(self, workbook, title, language):
        self.ws, self.language = workbook.create_sheet(_t(title, language)), language
        self.row = 1

    def t(self, pair):
        return _t(pair, self.language)

    def heading(self, text):
        self.ws.cell(self.row, 1, self.t(text)).font = Font(bold=True, size=14)
        self.row += 1

    def lines(self, texts):
        for text in texts:
            cell = self.ws.cell(self.row, 1, self.t(text))
            cell.alignment = Alignment(wrap_text=False)
            self.row += 1
        self.row += 1

    def resolve(self, names):
        """Fill {name} references in the formulas of column B (forms) with row numbers."""
        for row in self.ws.iter_rows(min_col=2, max_col=2):
            cell = row[0]
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = re.sub(r"\{(\w+)\}", lambda m: str(names[m[1]]), cell.value)

    def table(self, columns, examples, widths=None, blank=FORM_ROWS):
        """columns: [(header, note or None, choices or None)]; examples: rows of cells (text
        pairs, numbers or '=' formulas with {r} for the row number)."""
        header_row = self.row
        for index, (header, note, choices) in enumerate(columns, 1):
            cell = self.ws.cell(header_row, index, self.t(header))
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(index)
            self.ws.column_dimensions[letter].width = (widths or {}).get(index, 18)
            first, last = header_row + 1, header_row + len(examples) + blank
            if choices or note:
                validation = DataValidation(
                    type="list" if choices else None,
                    formula1='"' + ",".join(self.t(c) for c in choices) + '"' if choices else None,
                    allow_blank=True,
                    showErrorMessage=bool(choices),
                    showInputMessage=bool(note),
                    promptTitle=self.t(header)[:32] if note else None,
                    prompt=self.t(note)[:255] if note else None,
                )
                validation.add(f"{letter}{first}:{letter}{last}")
                self.ws.add_data_validation(validation)
        for offset, example in enumerate(examples, 1):
            row = header_row + offset
            for index, value in enumerate(example, 1):
                value = self.t(value)
                if isinstance(value, str) and value.startswith("="):
                    value = value.replace("{r}", str(row))
                cell = self.ws.cell(row, index, value)
                cell.font = EXAMPLE_FONT
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.ws.freeze_panes = self.ws.cell(header_row + 1, 1)
        self.row = header_row + len(examples) + 2
        return header_row

    def form(self, rows, widths=(26, 40, 50)):
        """A two-column form (label, value, hint) with a header row, the value column filled
        with the example."""
        return self.table(
            [(("项目", "Item"), None, None), (("填写（示例）", "Your entry (example)"), None, None),
             (("怎么填", "How to fill it in"), None, None)],
            rows, widths=dict(enumerate(widths, 1)),
        )

    def number_format(self, column, fmt, first, last):
        for row in range(first, last + 1):
            self.ws.cell(row, column).number_format = fmt


def _how_to(workbook, language, title, lines):
    sheet = Sheet(workbook, ("使用说明", "How to use"), language)
    sheet.heading(title)
    sheet.lines(lines)
    sheet.ws.column_dimensions["A"].width = 110
    return sheet


# -- Campaign plan (lesson campaigns/campaign-framework) -----------------------------------------

PHASES = [("预热期", "Warm-up"), ("正式期", "Main event"), ("收尾期", "Wrap-up")]
STATUS = [("未开始", "Not started"), ("进行中", "In progress"), ("已完成", "Done"), ("延期", "Delayed")]


def campaign_plan(language):
    wb = Workbook()
    wb.remove(wb.active)
    _how_to(wb, language, ("活动策划表", "Campaign plan"), [
        ("一份方案回答四个问题：为什么做（目标）、怎么推进（节奏）、花多少钱（预算）、出了问题怎么办（风险）。",
         "A plan answers four questions: why (the goal), how (the phases), what it costs (the budget) and what if it goes wrong (the risks)."),
        ("按工作表顺序填写：方案概览 → 节奏排期 → 预算 → 奖池 → 风险。灰色斜体是虚构的小鹿商城示例，填写时直接覆盖。",
         "Fill in the sheets in order: Overview → Timeline → Budget → Prize pool → Risks. Grey italics are an example from the fictional Fawn Mall: type over them."),
        ("只设一个主目标，写成数字，并写明每个用户的成本上限；预算 ÷ 目标数量不能高于这个上限。",
         "Set one main goal, as a number, with a cost cap per user; the budget divided by the goal must not exceed the cap."),
        ("预算只计本次活动直接产生的费用（人力、物料、宣传），另留 5%～10% 的机动费用；房租这类固定开支不计入。",
         "Count only the campaign's direct costs (people, materials, promotion) plus a 5–10% contingency; fixed costs such as rent stay out."),
        ("每条风险写明用什么信号发现它、怎么应对、由谁负责，不要只写“注意风险”。",
         "Give every risk the signal that reveals it, the response and one owner, never just \"watch out\"."),
        ("带下拉箭头的列只能选列表里的值；点一下表头下面的单元格，会看到这一列的填写提示。",
         "Columns with a drop-down take only the listed values; click a cell under a header to see how to fill in that column."),
    ])

    s = Sheet(wb, ("方案概览", "Overview"), language)
    first = s.form([
        [("活动名称", "Campaign"), ("小鹿商城“618 新客首单”活动", "Fawn Mall \"618 first order\" campaign"),
         ("一句话说清是什么活动。", "One line that says what the campaign is.")],
        [("负责人", "Owner"), ("王琳（用户运营）", "Lin Wang (user operations)"),
         ("只写一个人：对结果负责的人。", "One person: the one accountable for the result.")],
        [("主目标", "Main goal"), ("活动期间新增首单用户 6000 人", "6000 new first-order customers during the campaign"),
         ("只设一个，写成数字；其余都是次要目标。", "Only one, as a number; everything else is secondary.")],
        [("目标数量", "Goal (number)"), 6000, ("主目标里的数字，下面的公式会用到。", "The number in the main goal; the formulas below use it.")],
        [("每人成本上限（元）", "Cost cap per user (yuan)"), 9,
         ("为达成一个目标用户最多愿意花多少钱。", "The most you will spend to win one user of the goal.")],
        [("次要目标（最多两个）", "Secondary goals (two at most)"),
         ("新客 14 天内再次下单的比例不低于 20%", "At least 20% of new customers order again within 14 days"),
         ("最好有一个是留存指标。", "Make one of them a retention measure.")],
        [("目标用户", "Target users"), ("注册未下单的用户、小区团长带来的新用户", "Users who signed up but never ordered; newcomers brought by community leaders"),
         ("写清是谁，玩法和渠道都跟着这群人走。", "Say who; the mechanics and channels follow from them.")],
        [("活动时间", "Dates"), ("6 月 1 日—6 月 18 日", "1–18 June"), ("含预热期和收尾期。", "Including warm-up and wrap-up.")],
        [("总预算（元）", "Total budget (yuan)"), "='" + _t(("预算", "Budget"), language) + "'!E14",
         ("自动取自“预算”表的合计。", "Taken from the Budget sheet's total.")],
        [("预期每人成本（元）", "Expected cost per user (yuan)"), "=ROUND(B{budget}/B{goal},2)",
         ("总预算 ÷ 目标数量，必须不高于成本上限。", "Total budget ÷ goal; must not exceed the cap.")],
        [("是否在成本上限内", "Within the cap?"), '=IF(B{cost}<=B{cap},"✓","✗")',
         ("显示 ✗ 时，要么调整预算，要么写明理由。", "If it shows ✗, cut the budget or explain why.")],
        [("玩法及其理由", "Mechanic and why it fits"),
         ("新客首单满 39 元减 15 元，团长分享专属券；这群用户对价格敏感，券在两周内做得出来。",
          "15 yuan off a first order of 39 yuan or more, shared by community leaders; these users are price-sensitive and the coupon can be built in two weeks."),
         ("一句话：为什么适合这群用户，现有时间内做得出来。", "One line: why it suits these users and can be built in the time you have.")],
    ])
    s.resolve({"goal": first + 4, "cap": first + 5, "budget": first + 9, "cost": first + 10})

    s = Sheet(wb, ("节奏排期", "Timeline"), language)
    s.table([
        (("阶段", "Phase"), ("预热期造势蓄客，正式期集中引爆，收尾期兑奖并把人留下。",
                             "Warm-up builds interest, the main event converts, wrap-up pays out and keeps people."), PHASES),
        (("动作", "Action"), None, None),
        (("负责人", "Owner"), ("每个动作只写一个负责人。", "One owner per action."), None),
        (("开始日期", "Start"), None, None),
        (("结束日期", "End"), None, None),
        (("看什么指标", "Measure"), ("这个动作做得好不好，用哪个数字判断。", "The number that tells whether the action worked."), None),
        (("状态", "Status"), None, STATUS),
    ], [
        [PHASES[0], ("开放“开抢提醒”预约，团长群发预告海报", "Open \"remind me\" sign-ups; leaders post the teaser"),
         ("李响", "Xiang Li"), date(2026, 5, 25), date(2026, 5, 31), ("预约人数", "Sign-ups"), STATUS[2]],
        [PHASES[1], ("新客券上线，每小时看领券和核销", "Coupon live; check claims and redemptions hourly"),
         ("王琳", "Lin Wang"), date(2026, 6, 1), date(2026, 6, 15), ("首单人数、核销率", "First orders, redemption rate"), STATUS[1]],
        [PHASES[2], ("首单后第 3 天推送复购券，邀请进团长群", "Day-3 repeat coupon; invite to the leader's group"),
         ("赵敏", "Min Zhao"), date(2026, 6, 16), date(2026, 6, 30), ("14 天复购率", "14-day repeat rate"), STATUS[0]],
    ], widths={2: 44, 6: 24})
    s.number_format(4, "yyyy-mm-dd", 2, 4 + FORM_ROWS)
    s.number_format(5, "yyyy-mm-dd", 2, 4 + FORM_ROWS)

    s = Sheet(wb, ("预算", "Budget"), language)
    categories = [("人力", "People"), ("物料", "Materials"), ("宣传", "Promotion"), ("机动", "Contingency")]
    s.table([
        (("类别", "Category"), ("只计本次活动直接产生的费用。", "Direct costs of this campaign only."), categories),
        (("项目", "Item"), None, None),
        (("单价（元）", "Unit cost (yuan)"), None, None),
        (("数量", "Quantity"), None, None),
        (("小计（元）", "Subtotal (yuan)"), ("= 单价 × 数量", "= unit cost × quantity"), None),
        (("备注", "Notes"), None, None),
    ], [
        [categories[0], ("兼职客服（活动期 15 天）", "Temporary support staff (15 days)"), 200, 30, "=C{r}*D{r}", ("2 人 × 15 天", "2 people × 15 days")],
        [categories[1], ("新客券成本（预计核销）", "First-order coupons (expected redemptions)"), 4, 6000,
         "=C{r}*D{r}", ("券面 15 元，平台承担 4 元，其余由供应商承担", "15 yuan face value; we fund 4, suppliers the rest")],
        [categories[2], ("团长推广佣金", "Community leaders' commission"), 2, 6000, "=C{r}*D{r}", ("按首单计", "Per first order")],
        [categories[2], ("本地生活号信息流", "Local feed ads"), 1, 5000, "=C{r}*D{r}", None],
        [categories[3], ("机动费用", "Contingency"), 1, 3000, "=C{r}*D{r}", ("占合计约 6%", "About 6% of the total")],
    ], widths={2: 36, 6: 36}, blank=7)
    # Total row (row 14 is referenced from the overview), and the contingency share.
    s.ws.cell(14, 4, s.t(("合计", "Total"))).font = Font(bold=True)
    s.ws.cell(14, 5, "=SUM(E2:E13)").font = Font(bold=True)
    s.ws.cell(15, 4, s.t(("机动占比", "Contingency share")))
    s.ws.cell(15, 5, '=IF(E14=0,"",SUMIF(A2:A13,"' + s.t(categories[3]) + '",E2:E13)/E14)').number_format = "0.0%"
    s.ws.cell(16, 1, s.t(("示例合计 50,000 元 ÷ 6000 人 ≈ 8.33 元/人，在 9 元的上限之内；机动 3000 ÷ 50,000 = 6%。",
                          "The example totals 50,000 yuan ÷ 6000 users ≈ 8.33 yuan per user, within the cap of 9; contingency 3000 ÷ 50,000 = 6%.")))

    s = Sheet(wb, ("奖池", "Prize pool"), language)
    s.table([
        (("奖品", "Prize"), None, None),
        (("预估参与人数", "Expected participants"), None, None),
        (("中奖率", "Win rate"), ("例如 1.5% 写成 1.5%。", "Write 1.5% as 1.5%."), None),
        (("余量", "Buffer"), ("多备的比例，常用 10%。", "Extra stock, 10% is usual."), None),
        (("需备数量", "Stock needed"), ("= 参与人数 × 中奖率 × (1 + 余量)，向上取整", "= participants × win rate × (1 + buffer), rounded up"), None),
        (("替代奖品", "Substitute prize"), ("奖品抢空时发什么。", "What you give when the prize runs out."), None),
    ], [
        [("定制帆布袋", "Branded tote bag"), 30000, 0.015, 0.1, "=ROUNDUP(B{r}*C{r}*(1+D{r}),0)", ("10 元无门槛券", "10-yuan coupon, no minimum")],
    ], widths={1: 22, 6: 28})
    s.number_format(3, "0.0%", 2, 2 + FORM_ROWS)
    s.number_format(4, "0%", 2, 2 + FORM_ROWS)

    s = Sheet(wb, ("风险", "Risks"), language)
    kinds = [("市场", "Market"), ("技术", "Technical"), ("运营", "Operations"), ("法律法规", "Legal"), ("供应链", "Supply chain")]
    s.table([
        (("风险", "Risk"), None, None),
        (("类型", "Type"), None, kinds),
        (("严重程度（1–5）", "Severity (1–5)"), ("5 = 后果最严重。", "5 = worst consequences."), None),
        (("发生概率（1–5）", "Likelihood (1–5)"), ("5 = 最可能发生。", "5 = most likely."), None),
        (("得分", "Score"), ("= 严重程度 × 发生概率；小概率、高后果的也要写预案。",
                            "= severity × likelihood; rare but severe risks also need a plan."), None),
        (("发现信号", "Signal"), ("什么数字或现象说明它正在发生。", "What number or sight tells you it is happening."), None),
        (("对策", "Response"), None, None),
        (("负责人", "Owner"), None, None),
    ], [
        [("羊毛党用新手机号批量领新客券", "Coupon farmers claim first-order coupons with fresh phone numbers"), kinds[2], 4, 3,
         "=C{r}*D{r}", ("同一收货地址 1 小时内领券超过 5 次", "More than 5 claims to one delivery address within an hour"),
         ("每个收货地址限领一次，接入风控拦截", "One coupon per delivery address; risk engine blocks batches"), ("赵敏", "Min Zhao")],
        [("开抢时页面卡顿", "Pages stall at launch"), kinds[1], 4, 2, "=C{r}*D{r}",
         ("页面加载超过 3 秒的比例超过 5%", "More than 5% of page loads take over 3 s"),
         ("提前压测，准备排队页和限流", "Load-test beforehand; queue page and rate limits ready"), ("技术：陈涛", "Tech: Tao Chen")],
    ], widths={1: 36, 6: 34, 7: 34})
    for col in (3, 4):
        validation = DataValidation(type="whole", operator="between", formula1="1", formula2="5", showErrorMessage=True)
        validation.add(f"{get_column_letter(col)}2:{get_column_letter(col)}{3 + FORM_ROWS}")
        s.ws.add_data_validation(validation)
    return wb


# -- Tracking plan (lesson data-driven-ops/data-collection-and-tools) -----------------------------

PLATFORMS = [("App", "App"), ("Web", "Web"), ("小程序", "Mini program"), ("服务端", "Server")]
EVENT_STATUS = [("待开发", "To build"), ("开发中", "In development"), ("已上线", "Live"), ("已验收", "Verified"), ("已下线", "Retired")]


def tracking_plan(language):
    wb = Workbook()
    wb.remove(wb.active)
    _how_to(wb, language, ("埋点方案（事件跟踪计划）", "Tracking plan"), [
        ("埋点先设计、后上线：每个事件在开发前写进这张表，产品、开发、数据、运营按同一份文档对齐。",
         "Design tracking before it ships: every event goes into this sheet before development, so product, engineering, data and operations work from one document."),
        ("事件名统一用“对象_动作”，小写英文加下划线（cart_add、order_submit）；同一个动作在所有端、所有版本都用同一个名字。",
         "Name events object_action, lower case with underscores (cart_add, order_submit); one action keeps one name on every platform and in every version."),
        ("每个事件写明它服务的指标或问题；说不出用途的事件不要埋。",
         "Give each event the metric or question it serves; an event nobody can name a use for is not tracked."),
        ("金额、支付这类以服务端为准的事件，从服务端上报，不靠前端点击推断。",
         "Events whose truth is on the server (payments, amounts) are sent by the server, not inferred from a client click."),
        ("不采集手机号、身份证号等个人敏感信息；确需采集个人信息时，先确认有告知和同意（《个人信息保护法》）。",
         "Do not collect phone or ID numbers; where personal information is truly needed, first make sure users were told and agreed (China's Personal Information Protection Law)."),
        ("上线后在“验收”表逐条测一遍，改动记在“变更记录”。灰色斜体是虚构的小鹿商城示例，填写时覆盖。",
         "After release, test each event on the QA sheet and log every change in the Changelog. Grey italics are an example from the fictional Fawn Mall: type over them."),
    ])

    s = Sheet(wb, ("事件", "Events"), language)
    s.table([
        (("事件名", "Event name"), ("对象_动作，小写英文和下划线。", "object_action, lower case and underscores."), None),
        (("显示名", "Display name"), None, None),
        (("触发时机", "Fires when"), ("写到可以测的程度：哪个页面、哪个动作、成功还是点击。",
                                     "Precise enough to test: which page, which action, on success or on click."), None),
        (("端", "Platform"), None, PLATFORMS),
        (("事件属性", "Properties"), ("属性名用逗号隔开，定义写在“属性”表。", "Property names, comma-separated; define them on the Properties sheet."), None),
        (("服务的指标或问题", "Metric or question it serves"), None, None),
        (("负责人", "Owner"), None, None),
        (("状态", "Status"), None, EVENT_STATUS),
        (("上线版本", "Release"), None, None),
    ], [
        ["page_view", ("浏览页面", "Page viewed"), ("任一页面加载完成", "Any page finishes loading"), PLATFORMS[0],
         "page_name, referrer, channel", ("访问量、渠道来源", "Visits, traffic by channel"), ("数据：周宁", "Data: Ning Zhou"), EVENT_STATUS[3], "5.2.0"],
        ["cart_add", ("加入购物车", "Added to cart"), ("商品详情页点击“加入购物车”且接口返回成功", "Add-to-cart tapped on a product page and the API returns success"),
         PLATFORMS[0], "product_id, price, quantity", ("加购率（漏斗第二步）", "Add-to-cart rate (funnel step 2)"), ("产品：刘洋", "Product: Yang Liu"), EVENT_STATUS[3], "5.2.0"],
        ["order_submit", ("提交订单", "Order submitted"), ("结算页点击“提交订单”且订单创建成功", "Submit tapped on checkout and the order is created"),
         PLATFORMS[0], "order_id, amount, coupon_used", ("下单转化率", "Order conversion rate"), ("产品：刘洋", "Product: Yang Liu"), EVENT_STATUS[2], "5.3.0"],
        ["order_pay", ("支付成功", "Order paid"), ("支付平台回调确认到账", "The payment provider confirms the payment"),
         PLATFORMS[3], "order_id, amount, pay_method", ("GMV、支付转化率", "GMV, payment conversion"), ("后端：孙磊", "Backend: Lei Sun"), EVENT_STATUS[0], "5.3.0"],
    ], widths={1: 16, 3: 40, 5: 30, 6: 28})

    s = Sheet(wb, ("属性", "Properties"), language)
    types = [("字符串", "Text"), ("数值", "Number"), ("布尔", "Boolean"), ("日期时间", "Date-time"), ("列表", "List")]
    scopes = [("公共属性", "Common"), ("事件属性", "Event")]
    s.table([
        (("属性名", "Property"), None, None),
        (("显示名", "Display name"), None, None),
        (("范围", "Scope"), ("公共属性每个事件都带（如渠道、版本）。", "Common properties go with every event (channel, app version)."), scopes),
        (("类型", "Type"), None, types),
        (("单位或取值", "Unit or values"), ("金额写明元还是分；枚举值全部列出。", "Say yuan or fen for money; list every value of an enumeration."), None),
        (("示例值", "Example"), None, None),
        (("用于事件", "Used by"), None, None),
    ], [
        ["channel", ("渠道", "Channel"), scopes[0], types[0], "organic, search, social, referral, ads", "social", ("全部", "All")],
        ["product_id", ("商品编号", "Product ID"), scopes[1], types[0], ("SKU 编号", "SKU code"), "SKU10086", "cart_add"],
        ["amount", ("订单金额", "Order amount"), scopes[1], types[1], ("元，两位小数，含优惠后实付", "Yuan, 2 decimals, paid after discounts"),
         "59.90", "order_submit, order_pay"],
        ["coupon_used", ("是否用券", "Coupon used"), scopes[1], types[2], "true / false", "true", "order_submit"],
    ], widths={5: 36, 7: 26})

    s = Sheet(wb, ("验收", "QA"), language)
    results = [("通过", "Pass"), ("不通过", "Fail")]
    s.table([
        (("事件名", "Event"), None, None),
        (("测试步骤", "Steps"), None, None),
        (("预期上报", "Expected"), ("事件名、每个属性的值、上报次数。", "Event name, each property's value, how many times it fires."), None),
        (("实际上报", "Actual"), None, None),
        (("结果", "Result"), None, results),
        (("测试人", "Tester"), None, None),
        (("日期", "Date"), None, None),
    ], [
        ["cart_add", ("测试账号进入商品 SKU10086，数量选 2，点加入购物车", "Test account opens SKU10086, picks quantity 2, taps add to cart"),
         ("cart_add 一次，product_id=SKU10086，quantity=2", "cart_add once, product_id=SKU10086, quantity=2"),
         ("上报两次（按钮连点）", "Fired twice (button double-tap)"), results[1], ("周宁", "Ning Zhou"), date(2026, 5, 20)],
    ], widths={2: 40, 3: 36, 4: 28})
    s.number_format(7, "yyyy-mm-dd", 2, 2 + FORM_ROWS)

    s = Sheet(wb, ("变更记录", "Changelog"), language)
    s.table([
        (("日期", "Date"), None, None),
        (("版本", "Release"), None, None),
        (("变更内容", "Change"), None, None),
        (("原因", "Why"), None, None),
        (("变更人", "By"), None, None),
    ], [
        [date(2026, 5, 21), "5.2.1", ("cart_add 改为接口成功后上报", "cart_add now fires on API success"),
         ("验收发现连点重复上报", "QA found double-taps fired it twice"), ("刘洋", "Yang Liu")],
    ], widths={3: 40, 4: 36})
    s.number_format(1, "yyyy-mm-dd", 2, 2 + FORM_ROWS)
    return wb


# -- Post-mortem (lessons campaigns/risk-crisis-review, team-collaboration/communication-and-sync) -

def post_mortem(language):
    wb = Workbook()
    wb.remove(wb.active)
    _how_to(wb, language, ("活动复盘表", "Post-mortem"), [
        ("复盘对事不对人：目的是改进流程，不是追究个人，这样大家才愿意把问题说出来。",
         "Blameless: the aim is a better process, not a culprit, so that people say what went wrong."),
        ("结论先行：先在“概览”写一句结论，再用后面的表格支撑它。",
         "Conclusion first: write the one-line conclusion on the Summary sheet, then support it with the sheets that follow."),
        ("按四项标准复盘：目标达成度（对比事前写下的目标）、用户反馈、数据分析、经验总结。",
         "Review against four standards: goal attainment (against the goal written beforehand), user feedback, data analysis, lessons learned."),
        ("ROI 的收益用增量毛利：毛利而不是收入，只算超出对照组基线的部分；写明基线从哪里来。",
         "ROI counts incremental margin: margin, not revenue, and only what exceeds the control group's baseline; say where the baseline comes from."),
        ("每条经验落到一个行动项，有负责人和截止日期，下次复盘先检查上次的行动项。",
         "Every lesson becomes an action with an owner and a due date; the next post-mortem starts by checking the last one's actions."),
        ("灰色斜体是虚构的小鹿商城示例，填写时覆盖。", "Grey italics are an example from the fictional Fawn Mall: type over them."),
    ])

    s = Sheet(wb, ("概览", "Summary"), language)
    s.form([
        [("活动或项目", "Campaign or project"), ("小鹿商城“618 新客首单”活动", "Fawn Mall \"618 first order\" campaign"), None],
        [("时间", "Dates"), ("6 月 1 日—6 月 18 日", "1–18 June"), None],
        [("复盘日期与参会人", "Review date and attendees"), ("6 月 25 日：运营、产品、数据、客服", "25 June: operations, product, data, support"), None],
        [("一句话结论", "Conclusion in one line"),
         ("首单目标完成 92%，增量 ROI 为正；复购券带来的留存低于预期，下次提前到首单当天发。",
          "92% of the first-order goal; incremental ROI positive; the repeat coupon retained fewer than planned, so next time send it on the day of the first order."),
         ("先写结论，老板和同事先看这一行。", "Conclusion first: it is the line everyone reads.")],
        [("收益口径", "What counts as return"), ("增量毛利：对照组基线，毛利扣除商品成本、券和支付手续费",
                                                 "Incremental margin: control-group baseline; margin net of goods, coupons and payment fees"),
         ("收入还是毛利？全部还是增量？基线从哪里来？", "Revenue or margin? All or incremental? Where does the baseline come from?")],
        [("如果发生过危机", "If there was a crisis"), ("无", "None"),
         ("经过与原因 → 预案是否有效 → 改进措施 → 团队分享 → 文档留存。",
          "What happened and why → did the plan work → improvements → share with the team → file it.")],
    ])

    s = Sheet(wb, ("目标达成", "Goals"), language)
    s.table([
        (("指标", "Measure"), None, None),
        (("事前目标", "Goal set beforehand"), ("只和事前写下的目标比，不和口头期望比。", "Compare with the goal written beforehand, not with hopes voiced later."), None),
        (("实际", "Actual"), None, None),
        (("达成率", "Attainment"), ("= 实际 ÷ 目标", "= actual ÷ goal"), None),
        (("差距与原因", "Gap and why"), None, None),
    ], [
        [("新增首单用户（人）", "New first-order customers"), 6000, 5520, '=IF(B{r}=0,"",C{r}/B{r})',
         ("团长渠道只带来预期的六成", "Community leaders brought 60% of what was planned")],
        [("14 天复购率", "14-day repeat rate"), 0.2, 0.16, '=IF(B{r}=0,"",C{r}/B{r})',
         ("复购券在第 3 天才发，很多人已经流失", "The repeat coupon went out on day 3, after many had lapsed")],
    ], widths={1: 28, 5: 44})
    s.number_format(4, "0%", 2, 3 + FORM_ROWS)
    s.ws["B3"].number_format = s.ws["C3"].number_format = "0%"

    s = Sheet(wb, ("增量ROI", "Incremental ROI"), language)
    first = s.form([
        [("活动组人数", "Treatment group (people)"), 90000, ("收到活动触达的人。", "People the campaign reached.")],
        [("活动组转化人数", "Converted in treatment"), 1300, None],
        [("对照组人数", "Control group (people)"), 10000, ("活动前随机留出、全程不触达的人。", "Held out at random before the start and never reached.")],
        [("对照组转化人数", "Converted in control"), 40, None],
        [("对照组转化率", "Control conversion rate"), "=B{r4}/B{r3}", None],
        [("基线：活动组不做活动会转化的人数", "Baseline: treatment conversions without the campaign"), "=B{r1}*B{r5}", None],
        [("增量转化人数", "Incremental conversions"), "=B{r2}-B{r6}", None],
        [("每人毛利（元）", "Margin per conversion (yuan)"), 45, ("收入减去随订单增加的成本（商品、券、支付手续费）。",
                                                             "Revenue minus the costs that grow with each order (goods, coupons, payment fees).")],
        [("增量毛利（元）", "Incremental margin (yuan)"), "=B{r7}*B{r8}", None],
        [("活动成本（元）", "Campaign cost (yuan)"), 30000, None],
        [("ROI", "ROI"), "=(B{r9}-B{r10})/B{r10}", ("ROI =（增量毛利 − 成本）÷ 成本", "ROI = (incremental margin − cost) ÷ cost")],
    ])
    s.resolve({f"r{n}": first + n for n in range(1, 12)})
    s.ws.cell(first + 5, 2).number_format = "0.00%"
    s.ws.cell(first + 11, 2).number_format = "0.0%"
    s.ws.cell(first + 13, 1, s.t((
        "示例：40 ÷ 10,000 = 0.4%；基线 90,000 × 0.4% = 360；增量 1300 − 360 = 940；增量毛利 940 × 45 = 42,300 元；"
        "ROI =（42,300 − 30,000）÷ 30,000 = 41%。按全部收入算会高得多，但那不是这场活动带来的。",
        "Example: 40 ÷ 10,000 = 0.4%; baseline 90,000 × 0.4% = 360; incremental 1300 − 360 = 940; incremental margin "
        "940 × 45 = 42,300 yuan; ROI = (42,300 − 30,000) ÷ 30,000 = 41%. Counting all revenue gives far more, but the campaign did not earn it.")))

    s = Sheet(wb, ("用户反馈", "Feedback"), language)
    sources = [("评论", "Reviews"), ("客服", "Support"), ("问卷", "Survey"), ("社群", "Community")]
    s.table([
        (("来源", "Source"), None, sources),
        (("反馈归类", "Theme"), None, None),
        (("条数", "Count"), None, None),
        (("代表原话", "Typical quote"), ("摘一句原话，不改写。", "Quote one user verbatim."), None),
        (("影响与处理", "Impact and handling"), None, None),
    ], [
        [sources[1], ("券不能和会员价叠加", "Coupon does not stack with member prices"), 86,
         ("“结算时才发现用不了券，白加购了。”", "\"Only at checkout did I find the coupon didn't apply.\""),
         ("活动页补充说明；下次规则页首屏写明", "Added a note; next time state it on the rules page's first screen")],
    ], widths={2: 30, 4: 40, 5: 40})

    s = Sheet(wb, ("经验与行动", "Lessons and actions"), language)
    kinds = [("保持", "Keep"), ("改进", "Improve"), ("停止", "Stop")]
    s.table([
        (("类型", "Type"), None, kinds),
        (("发现", "Finding"), None, None),
        (("原因", "Cause"), ("问到流程层面：为什么流程允许它发生。", "Ask down to the process: why did the process let it happen?"), None),
        (("行动项", "Action"), None, None),
        (("负责人", "Owner"), ("一个人。", "One person."), None),
        (("截止日期", "Due"), None, None),
        (("状态", "Status"), None, STATUS),
    ], [
        [kinds[1], ("复购券发得太晚", "Repeat coupon sent too late"), ("发送时间沿用旧活动配置，没人复核", "Send time copied from an old campaign, never reviewed"),
         ("复购券改为首单当天发，活动前核对所有自动推送的时间", "Send on the day of the first order; check every automated send before launch"),
         ("赵敏", "Min Zhao"), date(2026, 7, 10), STATUS[0]],
        [kinds[0], ("对照组留得干净", "Clean control group"), ("活动前随机抽取并锁定", "Drawn at random and locked before launch"),
         ("写进活动检查清单", "Add to the launch checklist"), ("周宁", "Ning Zhou"), date(2026, 7, 1), STATUS[2]],
    ], widths={2: 30, 3: 36, 4: 44})
    s.number_format(6, "yyyy-mm-dd", 2, 3 + FORM_ROWS)
    return wb


# -- OKR sheet (lesson team-collaboration/performance-goals-and-evaluation) -----------------------

def okr_sheet(language):
    wb = Workbook()
    wb.remove(wb.active)
    _how_to(wb, language, ("OKR 表", "OKR sheet"), [
        ("一个 O（定性、鼓舞人心）配 3～5 个 KR（可量化，有起点和目标值）。",
         "One Objective (qualitative, inspiring) with 3–5 Key Results (measurable, each with a starting point and a target)."),
        ("KR 得分 =（当前值 − 起点）÷（目标值 − 起点），限在 0～1；O 的得分是它的 KR 得分的平均。",
         "KR score = (current − start) ÷ (target − start), kept between 0 and 1; the Objective scores the average of its KRs."),
        ("期末 0.6～0.7 分通常说明目标定得合适；总是拿满分，说明目标定低了。",
         "0.6–0.7 at the end usually means the goal was well set; always scoring 1.0 means it was set too low."),
        ("OKR 不直接决定奖金，否则大家只定保守的目标；KPI 守底线，OKR 追求突破。",
         "OKRs do not set bonuses, or people set safe goals; KPIs hold the baseline, OKRs reach for more."),
        ("每个 KR 对上指标树上的一片叶子，并只有一个负责人；每周在“每周检查”更新当前值和信心。",
         "Tie each KR to a leaf of the metric tree, with one owner; update the current value and confidence weekly on the Check-ins sheet."),
        ("灰色斜体是虚构的小鹿商城示例，填写时覆盖。", "Grey italics are an example from the fictional Fawn Mall: type over them."),
    ])

    s = Sheet(wb, ("OKR", "OKR"), language)
    objective = ("让新客在第一个月养成在小鹿商城买菜的习惯", "Make new customers' first month at Fawn Mall a grocery habit")
    score = '=IF(OR(D{r}="",E{r}="",F{r}="",E{r}=D{r}),"",MAX(0,MIN(1,(F{r}-D{r})/(E{r}-D{r}))))'
    header = s.table([
        (("目标 O", "Objective"), ("定性、鼓舞人心，一个季度一个到三个。", "Qualitative and inspiring; one to three a quarter."), None),
        (("关键结果 KR", "Key result"), ("可量化：从多少到多少。", "Measurable: from what to what."), None),
        (("指标树上的叶子", "Metric-tree leaf"), None, None),
        (("起点", "Start"), None, None),
        (("目标值", "Target"), None, None),
        (("当前值", "Current"), None, None),
        (("得分（0–1）", "Score (0–1)"), ("自动计算：（当前 − 起点）÷（目标 − 起点）。", "Calculated: (current − start) ÷ (target − start)."), None),
        (("信心（1–10）", "Confidence (1–10)"), ("按现在的进度，期末达成的把握。", "How sure you are, at today's pace, of reaching it by the end."), None),
        (("负责人", "Owner"), ("每个 KR 一个人。", "One person per KR."), None),
    ], [
        [objective, ("首单后 30 天复购率从 18% 提升到 26%", "30-day repeat rate after a first order from 18% to 26%"),
         ("老用户留存", "Existing-user retention"), 0.18, 0.26, 0.22, score, 6, ("赵敏", "Min Zhao")],
        [objective, ("新客 7 天内完成会员注册的比例从 35% 提升到 50%", "New customers joining the membership within 7 days from 35% to 50%"),
         ("新用户留存", "New-user retention"), 0.35, 0.5, 0.44, score, 7, ("王琳", "Lin Wang")],
        [objective, ("每个团长群每周做 2 次拼单接龙，覆盖 120 个群", "Two group-buy threads a week in 120 community-leader groups"),
         ("回流用户", "Returning users"), 0, 120, 54, score, 5, ("李响", "Xiang Li")],
    ], widths={1: 30, 2: 44, 3: 22})
    for row in range(header + 1, header + 3):
        for col in (4, 5, 6):
            s.ws.cell(row, col).number_format = "0%"
    s.number_format(7, "0.00", header + 1, header + 3 + FORM_ROWS)
    validation = DataValidation(type="whole", operator="between", formula1="1", formula2="10", showErrorMessage=True)
    validation.add(f"H{header + 1}:H{header + 3 + FORM_ROWS}")
    s.ws.add_data_validation(validation)
    total = header + 5
    s.ws.cell(total, 1, s.t(("O 的得分（KR 平均）", "Objective score (average of KRs)"))).font = Font(bold=True)
    s.ws.cell(total, 7, f'=IFERROR(AVERAGE(G{header + 1}:G{header + 3}),"")').number_format = "0.00"
    s.ws.cell(total + 1, 1, s.t((
        "示例得分：(22 − 18) ÷ (26 − 18) = 0.5；(44 − 35) ÷ (50 − 35) = 0.6；54 ÷ 120 = 0.45；平均 ≈ 0.52。",
        "Example scores: (22 − 18) ÷ (26 − 18) = 0.5; (44 − 35) ÷ (50 − 35) = 0.6; 54 ÷ 120 = 0.45; average ≈ 0.52.")))

    s = Sheet(wb, ("每周检查", "Check-ins"), language)
    s.table([
        (("周次", "Week"), None, None),
        (("关键结果 KR", "Key result"), None, None),
        (("当前值", "Current"), None, None),
        (("信心（1–10）", "Confidence (1–10)"), None, None),
        (("本周进展", "Progress this week"), None, None),
        (("风险与需要的支持", "Risks and help needed"), ("需要谁做什么，写具体。", "Say who you need to do what."), None),
        (("下周计划", "Next week"), None, None),
    ], [
        ["W3", ("首单后 30 天复购率", "30-day repeat rate"), 0.22, 6, ("复购券改到首单当天发", "Repeat coupon moved to the day of the first order"),
         ("需要数据组拆出各渠道的复购率", "Need the data team to split repeat rate by channel"), ("试两种券面额", "Test two coupon values")],
    ], widths={2: 30, 5: 36, 6: 36, 7: 30})
    s.number_format(3, "0%", 2, 2)
    return wb


BUILDERS = {
    "campaign-plan": campaign_plan,
    "tracking-plan": tracking_plan,
    "post-mortem": post_mortem,
    "okr-sheet": okr_sheet,
}


def workbook_bytes(workbook):
    """The XLSX of `workbook` with fixed dates (document properties and zip entries)."""
    workbook.properties.creator = "Ops Academy"
    workbook.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def build(slug, language):
    return workbook_bytes(BUILDERS[slug](language))


def file_name(slug, language):
    return f"{slug}.{language}.xlsx"


def generate(folder):
    for slug in BUILDERS:
        for language in LANGUAGES:
            (Path(folder) / file_name(slug, language)).write_bytes(build(slug, language))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    generate(target)
    for path in sorted(target.glob("*.xlsx")):
        print(path, path.stat().st_size, "bytes")
