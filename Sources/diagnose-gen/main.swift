print("diagnose-gen: not yet")
