"""The domain core of upskill: pure Python, numpy, networkx and scipy. Never imports fastapi or sqlalchemy."""
