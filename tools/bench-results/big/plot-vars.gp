n = "20,000,000"
columns_u64 = "2 3 4 5 6 7"
columns_str = "2 3 4 5 6 7"
