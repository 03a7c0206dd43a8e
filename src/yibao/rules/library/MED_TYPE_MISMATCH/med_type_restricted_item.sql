-- An item paid only in some encounter types (限就医方式, e.g. inpatient-only drugs) billed in another.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name, lmt_med_type, med_type,
       CASE med_type WHEN '11' THEN '普通门诊' WHEN '14' THEN '门诊慢特病' WHEN '21' THEN '普通住院'
                     WHEN '41' THEN '定点药店购药' ELSE med_type END AS med_type_label
FROM fee_ctx
WHERE lmt_med_type IS NOT NULL
  AND NOT (';' || replace(lmt_med_type, ' ', '') || ';' LIKE '%;' || med_type || ';%')
