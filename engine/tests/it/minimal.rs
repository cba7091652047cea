//! A minimal valid bank (three files) that tests break one way at a time.

pub const BANK: &str = r#"id = "t-1"
title = "测试题库"
occupation_code = "6-31-01-03"
occupation = "电工"
level = "4"
version = 1
standard = "国家职业技能标准 电工"

[[modules]]
code = "A"
name = "职业道德"
weight = 40.0
points = [
  { code = "A01", name = "职业道德基本知识", importance = "X" },
]

[[modules]]
code = "B"
name = "基础知识"
weight = 60.0
points = [
  { code = "B01", name = "直流电路", importance = "Y" },
]
"#;

pub const PAPER: &str = r#"title = "测试考试"
duration_minutes = 60
pass_score = 60
weight_tolerance = 5.0

[[sections]]
type = "judge"
count = 2
score = 10.0

[[sections]]
type = "single"
count = 2
score = 20.0

[[sections]]
type = "multiple"
count = 1
score = 40.0
scoring = "partial"
"#;

pub const ITEMS: &str = r#"{"id":"T1","point":"A01","type":"judge","difficulty":1,"stem":"安全电压是36V。","answer":"T","status":"active"}
{"id":"T2","point":"A01","type":"single","difficulty":2,"stem":"单选题","options":["甲","乙","丙","丁"],"answer":"C"}
{"id":"T3","point":"B01","type":"multiple","difficulty":3,"stem":"多选题","options":["甲","乙","丙","丁"],"answer":"ACD","enemy_group":"G1"}
{"id":"T4","point":"B01","type":"short","difficulty":4,"stem":"简答题","answer":"参考答案","rubric":[{"point":"要点一","score":3},{"point":"要点二","score":2}],"max_score":5}
{"id":"T5","point":"B01","type":"judge","difficulty":5,"stem":"判断题二","answer":"F","status":"retired"}
"#;
