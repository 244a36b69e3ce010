// The translation unit that owns tests/support/pch/test_pch.h (arbor_test_pch); empty on purpose.
