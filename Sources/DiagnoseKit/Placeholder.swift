// DiagnoseKit: see README "Architecture".
import DiagnoseCore
