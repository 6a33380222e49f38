n = "2,000,000"
columns_u64 = "2 3"
columns_str = "2 3"
