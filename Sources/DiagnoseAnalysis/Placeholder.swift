// DiagnoseAnalysis: see README "Architecture".
import DiagnoseCore
