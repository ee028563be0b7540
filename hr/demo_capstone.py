"""The demo trainee's two capstone answers (in Chinese, the trainee's language) and the demo
instructor's rubric marking of the first: a sound diagnosis under a plan that stops at its
direction (graded below the pass mark), then the revision that waits in the grading queue.

The marking names the shipped rubric's criteria (content/curriculum/capstone/questions.yaml);
a criterion it does not know gets its middle level and no comment. The answers are Markdown
files in hr/demo/."""

from pathlib import Path

ANSWERS = Path(__file__).parent / "demo"

FIRST_ANSWER, REVISED_ANSWER = "capstone-first.md", "capstone-revised.md"

# criterion key: (level index, comment)
FIRST_MARKING = {
    "diagnosis": (2, "每留存用户成本算得准，结论也抓住了要害。还可以再往前一步：整体 30 日留存是按人数加权的 20.6%；"
                     "老带新和内容社群规模小，放量后还能不能保持这个成本，值得在诊断里先提出来。"),
    "north-star": (1, "GMV 会被大促和客单价拉高，看不出用户有没有留下来。建议改用每周下单用户数（基线约 3.8 万），"
                      "目标写明基线和期限。"),
    "initiatives": (1, "方向和诊断一致，预算也没超，但每项都缺预期效果和算法：老带新投 60 万元，按每个新用户多少钱、"
                       "留存多少算，能带来多少留存用户？双十一大促和诊断有什么关系，也要交代。"),
    "measurement": (1, "只列了指标。请写清口径、谁每周看、什么结果触发调整；D30 要等一个月，可以先用 D7 留存判断。"
                       "老带新的奖励金额很适合做一次对照实验。"),
    "risks": (1, "“竞争加剧”放在任何计划里都成立。这份计划特有的风险是：老带新被薅羊毛、砍广告后新增不够、"
                 "订单上来后前置仓接不住（每天约 9,000 单）。每条写一个预警指标和止损线。"),
}
FIRST_FEEDBACK = """\
诊断部分很扎实，数字算得准，说明你已经会看渠道效率了。计划部分还停留在方向上：把北极星换成反映用户持续价值的指标，\
给每项举措补上测算，再加一个对照实验和具体的风险止损，就能过线。期待你的修改稿。"""


def answer(name):
    return (ANSWERS / name).read_text(encoding="utf-8")
