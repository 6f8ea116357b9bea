"""(in progress)"""
class LakeData:
    @classmethod
    def from_tables(cls, tables, settings):
        return cls()
