-- A line whose catalogue item is restricted to one sex, charged for a person of the other sex.
SELECT feedetl_sn, mdtrt_id, psn_no, fixmedins_code, bilg_dr_codg AS prac_code,
       det_item_fee_sumamt AS amount, med_list_codg, item_name,
       CASE lmt_gend WHEN '1' THEN '男' ELSE '女' END AS lmt_gend_label,
       CASE gend WHEN '1' THEN '男' ELSE '女' END AS gend_label
FROM fee_ctx
WHERE lmt_gend IN ('1', '2') AND gend IN ('1', '2') AND gend <> lmt_gend
