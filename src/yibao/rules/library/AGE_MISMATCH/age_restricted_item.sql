-- A line outside its item's age bounds on the charge date: whole years inclusive (a 14-year-old
-- meets lmt_age_max = 14), or days for newborn items (lmt_age_max_days).
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name, age_years, age_days,
       CASE WHEN lmt_age_max_days IS NOT NULL THEN '出生' || CAST(lmt_age_max_days AS VARCHAR) || '天内'
            WHEN lmt_age_min IS NOT NULL AND lmt_age_max IS NOT NULL
              THEN CAST(lmt_age_min AS VARCHAR) || '至' || CAST(lmt_age_max AS VARCHAR) || '岁'
            WHEN lmt_age_min IS NOT NULL THEN CAST(lmt_age_min AS VARCHAR) || '岁及以上'
            ELSE CAST(lmt_age_max AS VARCHAR) || '岁及以下' END AS age_rule
FROM fee_ctx
WHERE age_years IS NOT NULL
  AND ((lmt_age_min IS NOT NULL AND age_years < lmt_age_min)
    OR (lmt_age_max IS NOT NULL AND age_years > lmt_age_max)
    OR (lmt_age_max_days IS NOT NULL AND age_days > lmt_age_max_days))
