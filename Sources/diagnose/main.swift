import DiagnoseKit
print("diagnose")
