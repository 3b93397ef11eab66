// DiagnoseEngine: see README "Architecture".
import DiagnoseCore
