-- 挂床住院: an inpatient stay with stay days on which the patient received no bedside care.
-- Stay days follow 算头不算尾 (the admission day up to the day before discharge, at least one).
-- A stay day is cared for when some net line that day is something other than the routine
-- daily charges billed whether or not the patient is in bed (bed fee, nursing grade, inpatient
-- consultation fee: items whose catalogue name matches routine_item_regex). Days billed with
-- routine charges only, and days with no line at all (charges must be uploaded as they occur,
-- 就诊数据实时上传), are empty. Stays with more than max_empty_days empty days are reported;
-- amount = the routine charges billed on the empty days.
WITH day_use AS (
  SELECT f.mdtrt_id, f.fee_date,
         max(CASE WHEN regexp_matches(coalesce(f.item_name, ''), :routine_item_regex) THEN 0 ELSE 1 END) AS care,
         sum(f.det_item_fee_sumamt) AS day_amt
  FROM fee_ctx AS f
  WHERE f.med_type = '21'
  GROUP BY f.mdtrt_id, f.fee_date
),
stay AS (
  SELECT s.mdtrt_id, s.psn_no, s.fixmedins_code, s.atddr_no, s.begn_date, s.end_date, s.stay_days,
         sum(CASE WHEN d.care = 1 THEN 1 ELSE 0 END) AS care_days,
         sum(CASE WHEN d.care = 0 THEN 1 ELSE 0 END) AS routine_days,
         coalesce(sum(CASE WHEN d.care = 0 THEN d.day_amt ELSE 0 END), 0) AS empty_amt
  FROM ip_stay AS s
  LEFT JOIN day_use AS d
    ON d.mdtrt_id = s.mdtrt_id
   AND d.fee_date >= s.begn_date
   AND date_diff('day', s.begn_date, d.fee_date) < s.stay_days
  GROUP BY s.mdtrt_id, s.psn_no, s.fixmedins_code, s.atddr_no, s.begn_date, s.end_date, s.stay_days
)
SELECT s.mdtrt_id, s.psn_no, s.fixmedins_code, s.atddr_no AS prac_code, s.empty_amt AS amount,
       s.begn_date, s.end_date, s.stay_days, s.stay_days - s.care_days AS empty_days, s.routine_days,
       s.stay_days - s.care_days - s.routine_days AS blank_days,
       least(1.0, 0.5 + 0.5 * (s.stay_days - s.care_days) / s.stay_days) AS score
FROM stay AS s
WHERE s.stay_days - s.care_days > :max_empty_days
