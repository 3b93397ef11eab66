// DiagnoseReport: see README "Architecture".
import DiagnoseCore
