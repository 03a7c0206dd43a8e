-- 冒名就医（身份不符）: an encounter whose diagnoses cannot belong to the card's owner: pregnancy,
-- childbirth or the puerperium (ICD-10 chapter O and the Z pregnancy codes, obstetric_prefixes)
-- for a woman older than max_obstetric_age or younger than min_obstetric_age on the day care
-- began. Someone else (a daughter, a relative) was treated on her credential. Any diagnosis of
-- the encounter counts. Sex conflicts (a man's card) are diagnosis-sex rules, not reported here.
WITH enc AS (
  SELECT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.atddr_no, e.medfee_sumamt, e.begn_date, e.gend, e.brdy,
         (year(e.begn_date) - year(e.brdy))
           - CASE WHEN month(e.begn_date) < month(e.brdy)
                    OR (month(e.begn_date) = month(e.brdy) AND day(e.begn_date) < day(e.brdy))
                  THEN 1 ELSE 0 END AS age_years,
         ';' || :obstetric_prefixes || ';' AS ob
  FROM enc_ctx AS e
  WHERE e.gend = '2' AND e.brdy IS NOT NULL
),
hit AS (
  SELECT e.*, d.dise_codg, row_number() OVER (PARTITION BY e.mdtrt_id ORDER BY d.dise_codg) AS rn
  FROM enc AS e
  JOIN enc_dx AS d ON d.mdtrt_id = e.mdtrt_id
  WHERE (e.age_years > :max_obstetric_age OR e.age_years < :min_obstetric_age)
    AND (strpos(e.ob, ';' || substr(d.dise_codg, 1, 1) || ';') > 0
         OR strpos(e.ob, ';' || substr(d.dise_codg, 1, 2) || ';') > 0
         OR strpos(e.ob, ';' || substr(d.dise_codg, 1, 3) || ';') > 0
         OR strpos(e.ob, ';' || substr(d.dise_codg, 1, 4) || ';') > 0
         OR strpos(e.ob, ';' || substr(d.dise_codg, 1, 5) || ';') > 0)
)
SELECT h.mdtrt_id, h.psn_no, h.fixmedins_code, h.atddr_no AS prac_code, h.medfee_sumamt AS amount,
       h.age_years, h.dise_codg, h.begn_date
FROM hit AS h
WHERE h.rn = 1
