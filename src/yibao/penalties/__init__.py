"""Penalties of 《医疗保障基金使用监督管理条例》 Art. 38–41 from dated parameters (`data/`), per region."""
