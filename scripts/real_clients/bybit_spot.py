async def run(binary):
    pass
