// DiagnoseIndex: see README "Architecture".
import DiagnoseCore
