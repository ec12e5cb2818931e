"""The stores, one per aggregate, over one database connection.

Every SQL statement of the bot lives in ``bot/storage``; each store returns domain objects or
plain values. Services take the repository and use the stores they need.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.campaign_reports import CampaignReportStore
from bot.storage.campaigns import CampaignStore
from bot.storage.checker import CheckerStore
from bot.storage.db import Database
from bot.storage.events import EventStore
from bot.storage.groups import GroupStore
from bot.storage.insight import InsightStore
from bot.storage.learning import LearningStore
from bot.storage.lessons import LessonStore
from bot.storage.people import PeopleStore, RankedUser, TopicStat, User
from bot.storage.pictures import PictureStore
from bot.storage.players import PlayerStore
from bot.storage.privacy import PrivacyStore
from bot.storage.prompts import PromptStore
from bot.storage.quizzes import AnswerWrite, QuizStore

__all__ = ["AnswerWrite", "RankedUser", "Repository", "TopicStat", "User"]


class Repository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.people = PeopleStore(db)
        self.learning = LearningStore(db)
        self.quizzes = QuizStore(db, self.learning)
        self.events = EventStore(db)
        self.players = PlayerStore(db)
        self.lessons = LessonStore(db, self.learning)
        self.campaigns = CampaignStore(db)
        self.campaign_reports = CampaignReportStore(db)
        self.checker = CheckerStore(db)
        self.prompts = PromptStore(db)
        self.insight = InsightStore(db)
        self.pictures = PictureStore(db)
        self.groups = GroupStore(db)
        self.privacy = PrivacyStore(db, parts=(self.campaigns, self.insight, self.groups))

    @classmethod
    async def open(cls, path: Path) -> Repository:
        return cls(await Database.open(path))

    async def close(self) -> None:
        await self.db.close()
