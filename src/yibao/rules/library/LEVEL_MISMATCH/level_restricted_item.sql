-- A line charged at an institution below the item's lowest allowed level. Levels are coded
-- 1 tertiary < 2 secondary < 3 primary < 9 unrated; an institution without a level (a retail
-- pharmacy) counts as unrated.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name,
       CASE lmt_hosp_lv WHEN '1' THEN '三级' WHEN '2' THEN '二级及以上' WHEN '3' THEN '一级及以上' ELSE '未定级及以上' END
         AS lmt_label,
       CASE coalesce(hosp_lv, '9') WHEN '1' THEN '三级' WHEN '2' THEN '二级' WHEN '3' THEN '一级' ELSE '未定级' END
         AS lv_label
FROM fee_ctx
WHERE lmt_hosp_lv IN ('1', '2', '3') AND CAST(coalesce(hosp_lv, '9') AS INTEGER) > CAST(lmt_hosp_lv AS INTEGER)
