// DiagnoseTemplates: see README "Architecture".
import DiagnoseCore
